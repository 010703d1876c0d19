"""The "nothing changed" check the refusal tests lean on must itself notice a change."""

import pytest

from tests.factories import make_person, make_release
from tests.helpers import refused, snapshot


def test_it_notices_a_changed_field(db):
    person = make_person("Ana Souza")
    before = snapshot(person)
    type(person).objects.filter(pk=person.pk).update(title="QA Lead")
    with pytest.raises(AssertionError, match="QA Lead"):
        before.assert_unchanged()


def test_it_notices_a_new_row_such_as_an_event(db):
    release = make_release("Billing Gateway")
    before = snapshot(release)
    make_person("Bruno Lima")  # a write through the services: a Person and its Event
    with pytest.raises(AssertionError, match="readiness.Event"):
        before.assert_unchanged()


def test_it_passes_when_nothing_moved(db):
    release = make_release("Billing Gateway")
    before = snapshot(release)
    release.refresh_from_db()
    before.assert_unchanged()
    assert before.rows[0]["name"] == "Billing Gateway"


def test_a_refusal_must_raise_and_leave_everything_as_it_was(db):
    release = make_release("Billing Gateway")
    with refused(release, error=ValueError, match="no") as error:
        raise ValueError("no")
    assert str(error.value) == "no"
    with pytest.raises(AssertionError, match="readiness.Person"), refused(error=ValueError):
        make_person("Bruno Lima")
        raise ValueError("after a write")
    with pytest.raises(pytest.fail.Exception), refused(release):
        pass
