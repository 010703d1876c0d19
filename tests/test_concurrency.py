"""Writes at the same instant: locks taken in one order, so no two writes deadlock."""

import pytest

from readiness import services
from readiness.models import AgendaItem, Event
from tests.factories import make_session
from tests.helpers import at_once, skip_unless_postgresql


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_discuss_now_and_edits_of_one_item_at_once_neither_fail_nor_deadlock():
    skip_unless_postgresql()
    session = make_session()
    item = services.agenda_item_add(user=None, session=session, title="QA")
    services.agenda_item_add(user=None, session=session, title="FinOps")
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def write(n: int, go) -> None:
        try:
            read = AgendaItem.objects.get(pk=item.pk)
            go()
            if n % 2:
                services.agenda_item_start_discussion(user=None, item=read)
                outcomes.append("discussing")
            else:
                services.agenda_item_update(
                    user=None,
                    item=read,
                    expected_version=read.version,
                    title=f"QA {n}",
                    time_box_minutes=None,
                    notes=f"Notes {n}",
                )
                outcomes.append("saved")
        except services.StaleEdit:
            outcomes.append("stale")
        except BaseException as exc:  # A deadlock or any other failure fails the test.
            errors.append(exc)

    at_once(write, 20)
    assert errors == []
    assert outcomes.count("discussing") == 10
    # Every edit read the same version: the first write to the item (an edit, or the first
    # Discuss now, which stamps the item) wins, and every later edit is refused as stale.
    # Which one comes first is the scheduler's choice, so at most one edit is saved.
    assert len(outcomes) == 20
    assert outcomes.count("saved") + outcomes.count("stale") == 10
    assert outcomes.count("saved") <= 1
    session.refresh_from_db()
    assert session.current_agenda_item_id == item.pk
    # Only one Discuss now moved the pointer; each saved edit wrote its Event.
    assert Event.objects.filter(verb=Event.Verb.SESSION_CURRENT_ITEM_CHANGED).count() == 1
    assert Event.objects.filter(verb=Event.Verb.AGENDA_ITEM_UPDATED).count() == outcomes.count(
        "saved"
    )
