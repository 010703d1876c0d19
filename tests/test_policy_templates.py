"""A session template's sign-off policy: kept when saved, taken by a release before its first
decision, ignored after it."""

from __future__ import annotations

import datetime as dt

import pytest

from readiness import services
from readiness.models import Event, Policy, SessionTemplate
from tests.factories import make_decision, make_release, make_session

pytestmark = pytest.mark.django_db

LATER = dt.datetime(2024, 7, 20, 14, 0, tzinfo=dt.UTC)
STRICT = {
    "required_areas": ["QA", "Security"],
    "rule": Policy.Rule.QUORUM,
    "quorum": 2,
    "owner_not_sole_approver": False,
    "go_valid_days": 7,
}


def _set_policy(release, **values):
    current = Policy.objects.filter(release=release).first()
    return services.policy_update(
        user=None,
        release=release,
        expected_version=current.version if current else None,
        **values,
    )


def _template(name="Billing", policy=None):
    return SessionTemplate.objects.create(
        name=name, agenda=[{"title": "QA", "time_box_minutes": 5}], areas=["QA"], policy=policy
    )


def _with_agenda(session):
    services.agenda_item_add(user=None, session=session, title="QA", time_box_minutes=5)
    services.readiness_check_set(user=None, session=session, area="QA", status="green")
    return session


def _schedule(release, template):
    return services.session_schedule_from_template(
        user=None, release=release, scheduled_at=LATER, time_zone="UTC", template=template
    )


def _policy_events(release):
    """The Events of the release's own policy (its subject, since an update's Event names
    no release)."""
    policy = Policy.objects.filter(release=release).first()
    return Event.objects.filter(
        subject_type="policy",
        subject_id=policy.pk if policy else 0,
        verb__in=[Event.Verb.POLICY_CREATED, Event.Verb.POLICY_UPDATED],
    )


def test_it_keeps_the_releases_policy_in_a_saved_template(session):
    _set_policy(session.release, **STRICT)
    template = services.session_template_save(
        user=None, session=_with_agenda(session), name="Billing"
    )
    template.refresh_from_db()
    assert template.policy == STRICT


def test_it_keeps_the_site_default_when_the_release_follows_it(session):
    _set_policy(None, required_areas=["QA"], rule=Policy.Rule.AREAS, quorum=None)
    template = services.session_template_save(
        user=None, session=_with_agenda(session), name="Billing"
    )
    assert template.policy == {
        "required_areas": ["QA"],
        "rule": "areas",
        "quorum": None,
        "owner_not_sole_approver": True,
        "go_valid_days": None,
    }


def test_it_saves_no_policy_when_there_is_none(session):
    template = services.session_template_save(
        user=None, session=_with_agenda(session), name="Billing"
    )
    assert template.policy is None


def test_it_saves_the_policy_through_the_page(client, facilitator, session):
    _set_policy(session.release, **STRICT)
    _with_agenda(session)
    client.force_login(facilitator)
    client.post(f"{session.get_absolute_url()}save-template", {"name": "Billing"})
    assert SessionTemplate.objects.get(name="Billing").policy == STRICT


def test_scheduling_before_the_first_decision_sets_the_releases_policy(session):
    template = _template(policy=STRICT)
    release = make_release()
    assert not Policy.objects.filter(release=release).exists()
    _schedule(release, template)
    policy = Policy.objects.get(release=release)
    assert policy.as_dict() == STRICT
    assert policy.version == 1
    event = _policy_events(release).get()
    assert event.verb == Event.Verb.POLICY_CREATED
    assert event.after["required_areas"] == ["QA", "Security"]


def test_scheduling_updates_the_releases_own_policy_with_an_event(session):
    release = session.release
    own = _set_policy(release, required_areas=["QA"], rule=Policy.Rule.AREAS, quorum=None)
    _schedule(release, _template(policy=STRICT))
    own.refresh_from_db()
    assert own.as_dict() == STRICT
    assert own.version == 2
    event = _policy_events(release).latest("pk")
    assert event.verb == Event.Verb.POLICY_UPDATED
    assert event.before["required_areas"] == ["QA"] and event.after["quorum"] == 2


def test_scheduling_from_the_page_sets_the_policy(client, facilitator):
    release = make_release()
    template = _template(policy=STRICT)
    client.force_login(facilitator)
    form_page = client.get(f"/releases/{release.slug}/sessions/new/").text
    assert "Billing (sign-off: 2 approvals from QA, Security, a GO valid 7 days)" in form_page
    response = client.post(
        f"/releases/{release.slug}/sessions/new/",
        {
            "title": "Go/No-Go",
            "date": "2024-07-20",
            "time": "14:00",
            "time_zone": "UTC",
            "template": template.pk,
        },
    )
    assert response.status_code == 302
    assert Policy.objects.get(release=release).as_dict() == STRICT


def test_after_the_first_decision_the_template_policy_is_ignored(session):
    release = session.release
    own = _set_policy(release, required_areas=["QA"], rule=Policy.Rule.AREAS, quorum=None)
    make_decision(session)
    events = _policy_events(release).count()
    later = _schedule(release, _template(policy=STRICT))
    own.refresh_from_db()
    assert later.release == release
    assert own.required_areas == ["QA"] and own.rule == Policy.Rule.AREAS
    assert own.version == 1
    assert _policy_events(release).count() == events


def test_a_template_without_policy_leaves_the_site_default(session):
    _set_policy(None, required_areas=["Security"], rule=Policy.Rule.AREAS, quorum=None)
    release = make_release()
    copied = Policy.objects.get(release=release)
    events = _policy_events(release).count()
    _schedule(release, _template(policy=None))
    copied.refresh_from_db()
    assert copied.required_areas == ["Security"] and copied.version == 1
    assert _policy_events(release).count() == events


def test_a_template_with_the_same_policy_writes_nothing(session):
    release = make_release()
    _set_policy(release, **STRICT)
    events = _policy_events(release).count()
    _schedule(release, _template(policy=STRICT))
    assert Policy.objects.get(release=release).version == 1
    assert _policy_events(release).count() == events


def test_the_choice_names_a_template_without_policy_by_name_alone(client, facilitator):
    release = make_release()
    _template(name="Plain", policy=None)
    client.force_login(facilitator)
    page = client.get(f"/releases/{release.slug}/sessions/new/").text
    assert ">Plain</option>" in page


def test_a_blank_session_changes_no_policy(session):
    release = make_release()
    make_session(release)
    assert not Policy.objects.filter(release=release).exists()
