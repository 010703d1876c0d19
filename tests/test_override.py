"""Break-glass: an administrator lets a blocked release ship, with a reason and an expiry;
the gate answers ready with an `override` section while it is valid, people are told, and
the record shows it."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from readiness import gate, services
from readiness.models import Decision, Event, Freeze, Override, WebhookDelivery
from tests.factories import make_decision, make_release, make_session

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def blocked(facilitator):
    """A release whose current decision is NO-GO, run by the facilitator."""
    session = make_session(make_release("Billing Gateway"), facilitator=facilitator.person)
    make_decision(session, Decision.Outcome.NO_GO)
    return session.release


def _grant(release, user, *, reason="Hotfix for the payment outage", expires_in=HOUR, now=None):
    now = now or timezone.now()
    return services.override_grant(
        user=user, release=release, reason=reason, expires_at=now + expires_in, now=now
    )


def _freeze_around(now, *, ends_in):
    """A one-off site-wide freeze that began an hour before `now`."""
    return services.freeze_create(
        user=None,
        name="Now",
        kind=Freeze.Kind.ONCE,
        time_zone="UTC",
        starts_at=now - HOUR,
        ends_at=now + ends_in,
    )


def test_an_override_makes_the_gate_ready_with_its_section(blocked, admin_user):
    now = timezone.now()
    override = _grant(blocked, admin_user, now=now)
    result = gate.release_gate(blocked, now=now + dt.timedelta(minutes=1))
    assert result.ready is True
    data = result.as_dict()
    assert [b["kind"] for b in data["blocking"]] == ["decision"]
    section = data["override"]
    assert section["by"] == "admin"
    assert section["reason"] == "Hotfix for the payment outage"
    assert section["expires_at"] == override.expires_at.isoformat()
    assert [b["kind"] for b in section["overrode"]] == ["decision"]
    assert override.overrode[0]["kind"] == "decision"


def test_an_expired_override_no_longer_applies(blocked, admin_user):
    now = timezone.now()
    _grant(blocked, admin_user, now=now)
    later = gate.release_gate(blocked, now=now + HOUR)
    assert later.ready is False and later.as_dict()["override"] is None


def test_a_release_ready_on_its_own_shows_no_override(admin_user, facilitator):
    session = make_session(make_release("Fine"), facilitator=facilitator.person)
    make_decision(session, Decision.Outcome.GO)
    _grant(session.release, admin_user)
    assert gate.release_gate(session.release, now=timezone.now()).as_dict()["override"] is None


def test_an_override_of_a_freeze_is_the_same_override(admin_user, facilitator):
    session = make_session(make_release("Weekend"), facilitator=facilitator.person)
    make_decision(session, Decision.Outcome.GO)
    now = timezone.now()
    _freeze_around(now, ends_in=5 * HOUR)
    assert gate.release_gate(session.release, now=now).ready is False
    _grant(session.release, admin_user, now=now)
    result = gate.release_gate(session.release, now=now)
    assert result.ready is True
    assert [b["kind"] for b in result.as_dict()["override"]["overrode"]] == ["freeze"]


@pytest.mark.parametrize("later", [dt.timedelta(0), 90 * dt.timedelta(minutes=1), 3 * HOUR])
def test_the_gate_given_the_pages_freezes_and_overrides_answers_as_it_reads_them(
    admin_user, facilitator, later
):
    """The release page passes the freezes and overrides it lists to the gate: the answer
    is the one the gate gives when it reads them itself, through a freeze and a revoked,
    a short and a long override, at moments each of them applies or has ended."""
    session = make_session(make_release("Weekend"), facilitator=facilitator.person)
    make_decision(session, Decision.Outcome.GO)
    release = session.release
    now = timezone.now()
    _freeze_around(now, ends_in=2 * HOUR)
    services.override_revoke(user=admin_user, override=_grant(release, admin_user, now=now))
    _grant(release, admin_user, reason="Short", expires_in=HOUR, now=now)
    _grant(release, admin_user, reason="Long", expires_in=2 * HOUR + HOUR // 2, now=now)
    moment = now + later
    read = gate.release_gate(release, now=moment)
    given = gate.release_gate(
        release,
        now=moment,
        freezes=list(Freeze.objects.holding(release)),
        overrides=list(release.overrides.all()),
    )
    assert given.as_dict() == read.as_dict()
    assert read.ready is True
    # The longest-lasting override while the freeze holds; none needed once it ended.
    override = read.as_dict()["override"]
    assert (override and override["reason"]) == ("Long" if later < 2 * HOUR else None)


@pytest.mark.parametrize(
    ("reason", "expires_in", "field"),
    [
        ("", HOUR, "reason"),
        ("   \n ", HOUR, "reason"),
        ("Fine", -HOUR, "expires_at"),
        ("Fine", dt.timedelta(0), "expires_at"),
        ("Fine", dt.timedelta(days=8), "expires_at"),
    ],
)
def test_an_override_without_a_reason_or_a_future_expiry_is_refused(
    blocked, admin_user, reason, expires_in, field
):
    events = Event.objects.count()
    with pytest.raises(ValidationError) as error:
        _grant(blocked, admin_user, reason=reason, expires_in=expires_in)
    assert field in error.value.message_dict
    assert not Override.objects.exists() and Event.objects.count() == events


def test_a_cancelled_release_is_never_overridden(blocked, admin_user):
    services.release_cancel(user=None, release=blocked, expected_version=None)
    with pytest.raises(ValidationError):
        _grant(blocked, admin_user)


def test_it_tells_facilitators_and_managers_and_webhooks(
    blocked, admin_user, manager, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    for user, address in ((manager, "manny@example.com"), (facilitator, "fay@example.com")):
        user.email = address
        user.save()
    services.webhook_create(user=None, url="https://hooks.example.com/x", events=["override.used"])
    with django_capture_on_commit_callbacks(execute=True):
        override = _grant(blocked, admin_user)
    assert sorted(m.to[0] for m in mailoutbox) == ["fay@example.com", "manny@example.com"]
    assert "overridden" in mailoutbox[0].subject
    assert "Hotfix for the payment outage" in mailoutbox[0].body
    event = Event.objects.get(verb=Event.Verb.OVERRIDE_GRANTED)
    assert event.after["told"] == ["fay@example.com", "manny@example.com"]
    assert event.release_id == blocked.pk
    delivery = WebhookDelivery.objects.filter(event="override.used").order_by("pk").first()
    assert delivery.payload["data"]["reason"] == override.reason
    assert delivery.payload["data"]["overrode"][0]["kind"] == "decision"


def test_nobody_is_reported_told_without_an_address(
    blocked, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _grant(blocked, admin_user)
    assert mailoutbox == []
    assert Event.objects.get(verb=Event.Verb.OVERRIDE_GRANTED).after["told"] == []


def test_revoking_ends_it_at_once(blocked, admin_user):
    override = _grant(blocked, admin_user)
    services.override_revoke(user=admin_user, override=override)
    assert gate.release_gate(blocked, now=timezone.now()).ready is False
    with pytest.raises(ValidationError):
        services.override_revoke(user=admin_user, override=override)
    assert Event.objects.filter(verb=Event.Verb.OVERRIDE_REVOKED).count() == 1


# --- Through the pages ----------------------------------------------------------------------


def _form(**extra):
    expires = timezone.now().astimezone(dt.UTC) + 2 * HOUR
    return {
        "reason": "Hotfix",
        "expires_at": expires.strftime("%Y-%m-%dT%H:%M"),
        "time_zone": "UTC",
        **extra,
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 403), ("owner", 403), ("facilitator", 403), ("admin_user", 302)],
)
def test_only_administrators_may_override(client, blocked, request, role, status):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.post(f"/releases/{blocked.slug}/override", _form())
    assert response.status_code == status
    assert Override.objects.exists() is (status == 302)
    page = client.get(blocked.get_absolute_url()).text
    assert ('id="override-form"' in page) is (role == "admin_user")


def test_the_page_refuses_an_override_without_a_reason_and_writes_nothing(
    client, blocked, admin_user
):
    client.force_login(admin_user)
    response = client.post(f"/releases/{blocked.slug}/override", _form(reason=""))
    assert response.status_code == 422 and 'id="override-form"' in response.text
    past = client.post(
        f"/releases/{blocked.slug}/override", _form(expires_at="2024-01-01T00:00", reason="Kept")
    )
    assert past.status_code == 422 and "Kept" in past.text
    assert not Override.objects.exists()
    assert client.post("/releases/nope/override", _form()).status_code == 404


def test_the_release_page_the_dossier_and_the_api_show_it(client, blocked, admin_user, manager):
    client.force_login(admin_user)
    assert client.post(f"/releases/{blocked.slug}/override", _form()).status_code == 302
    client.force_login(manager)
    page = client.get(blocked.get_absolute_url()).text
    assert "Break-glass override in force" in page and "Hotfix" in page
    dossier = client.get(f"/releases/{blocked.slug}/dossier/").text
    assert "overrode the gate (break-glass) of" in dossier
    _, token = services.api_token_create(user=manager, name="CI")
    answer = client.get(
        f"/api/releases/{blocked.slug}/gate", headers={"Authorization": f"Bearer {token}"}
    )
    data = json.loads(answer.content)
    assert data["ready"] is True and data["override"]["reason"] == "Hotfix"
    assert data["override"]["overrode"][0]["kind"] == "decision"


def test_an_admin_revokes_from_the_release_page(client, blocked, admin_user, facilitator):
    override = _grant(blocked, admin_user)
    url = f"/releases/{blocked.slug}/overrides/{override.pk}/revoke"
    client.force_login(facilitator)
    assert client.post(url).status_code == 403
    client.force_login(admin_user)
    assert client.post(url).status_code == 302
    assert Override.objects.get().revoked_at is not None
    again = client.post(url)
    assert again.status_code == 422 and "no longer applies" in again.text
    assert client.post(f"/releases/{blocked.slug}/overrides/999/revoke").status_code == 404


def test_the_release_page_makes_the_same_queries_for_1_and_20_overrides(
    client, blocked, admin_user, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _grant(blocked, admin_user)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as ctx:
        client.get(blocked.get_absolute_url())
    for _i in range(19):
        _grant(blocked, admin_user)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        page = client.get(blocked.get_absolute_url()).text
    assert page.count("Hotfix for the payment outage") >= 20


def test_a_release_loaded_for_the_gate_asks_for_an_override_only_when_one_may_apply(
    blocked, admin_user
):
    from readiness.models import Release

    now = timezone.now()

    def gate_of(release):
        loaded = Release.objects.for_gate().get(pk=release.pk)
        with CaptureQueriesContext(connection) as queries:
            result = gate.release_gate(loaded, now=now + dt.timedelta(minutes=1))
        asked = [q for q in queries if q["sql"].startswith('SELECT "readiness_override"')]
        return result, len(asked)

    result, asked = gate_of(blocked)
    assert (result.ready, result.override, asked) == (False, None, 0)
    override = _grant(blocked, admin_user, now=now)
    result, asked = gate_of(blocked)
    assert (result.ready, result.override, asked) == (True, override, 1)
    services.override_revoke(user=admin_user, override=override, now=now)
    result, asked = gate_of(blocked)
    assert (result.ready, result.override, asked) == (False, None, 0)


def test_the_api_gate_reads_whether_an_override_exists_with_the_release(
    client, manager, blocked, admin_user
):
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(f"/api/releases/{blocked.slug}/gate").json()
    assert answer["ready"] is False
    # Its answer came with the release's own query.
    assert not any(
        q["sql"].startswith('SELECT "readiness_override"') for q in queries.captured_queries
    )
    _grant(blocked, admin_user)
    answer = client.get(f"/api/releases/{blocked.slug}/gate").json()
    assert answer["ready"] is True and answer["override"]["by"] == "admin"
