"""Teams: a private team's releases are invisible outside it on every read path, and each
team's facilitators run their own releases, webhooks, freezes, templates and imports."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from readiness import services
from readiness.models import Decision, Membership, Release, Session, WebhookDelivery
from tests.factories import (
    default_team,
    join_team,
    make_action,
    make_decision,
    make_person,
    make_release,
    make_session,
    make_team,
)

SECRET = "Secret Ledger"
OPEN_NAME = "Open Portal"


@pytest.fixture
def world(db, django_user_model, manager):
    """A private team's release and an internal one; a member of the private team, a
    login outside it who nevertheless owns an action there, and a site manager."""
    payments = make_team("Payments", private=True)
    member = django_user_model.objects.create_user("mia", password="x-long-password")
    outsider = django_user_model.objects.create_user("oscar", password="x-long-password")
    join_team(member, payments, Membership.Role.MEMBER)
    oscar = make_person("Oscar Outsider", user=outsider)
    priya = make_person("Priya Private")
    secret = make_session(make_release(SECRET, team=payments), facilitator=priya)
    make_action(secret, code="A1", owner=priya, due_date=dt.date(2024, 7, 1))
    make_action(secret, code="A2", owner=oscar, due_date=dt.date(2024, 7, 2))
    make_decision(secret, Decision.Outcome.GO)
    services.participant_add(user=None, session=secret, person=priya, area="QA")
    public = make_session(make_release(OPEN_NAME), facilitator=make_person("Paula Public"))
    make_action(public, code="A1", owner=oscar, due_date=dt.date(2024, 7, 3))
    services.freeze_create(
        user=None,
        name="Payments quiet week",
        kind="once",
        time_zone="UTC",
        starts_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        ends_at=dt.datetime(2030, 1, 8, tzinfo=dt.UTC),
        team=payments,
    )
    return {
        "team": payments,
        "member": member,
        "outsider": outsider,
        "manager": manager,
        "secret": secret.release,
        "public": public.release,
        "priya": priya,
    }


def _as(client, user):
    client.force_login(user)
    return client


def _text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _token(user, release=None):
    _api_token, secret = services.api_token_create(user=user, name="ci", release=release)
    return {"Authorization": f"Bearer {secret}"}


# --- Every read path ----------------------------------------------------------------------

READ_PATHS = [
    "/releases/",
    f"/releases/?q={SECRET.split()[0]}",
    "/releases/export.csv",
    "/actions/export.csv",
    "/insights/",
    "/freezes/",
    "/freezes/feed.ics",
    "/me/",
]


@pytest.mark.parametrize("path", READ_PATHS)
def test_a_private_team_is_invisible_outside_it_on_every_list(client, world, path):
    outside = _as(client, world["outsider"]).get(path)
    assert outside.status_code == 200
    body = _text(outside)
    assert SECRET not in body and "Payments quiet week" not in body
    for reader in ("member", "manager"):
        inside = _text(_as(client, world[reader]).get(path))
        if path not in ("/me/", "/insights/"):  # their own work; the figures, below
            assert SECRET in inside or "Payments quiet week" in inside, reader


def test_the_insights_count_only_readable_releases(client, world):
    def overdue(user):
        return dict(_as(client, user).get("/insights/").context["overdue"])

    assert "Priya Private" not in overdue(world["outsider"])
    assert overdue(world["outsider"])["Oscar Outsider"] == 1  # the internal release's
    assert overdue(world["member"])["Priya Private"] == 1
    assert overdue(world["manager"])["Oscar Outsider"] == 2


def test_the_outsider_still_sees_what_they_owe_elsewhere(client, world):
    body = _as(client, world["outsider"]).get("/me/").content.decode()
    assert OPEN_NAME in body and SECRET not in body


def test_the_release_and_its_records_do_not_exist_outside_the_team(client, world):
    release = world["secret"]
    session = release.sessions.get()
    paths = [
        f"/releases/{release.slug}/",
        f"/releases/{release.slug}/dossier/",
        f"/releases/{release.slug}/minutes.md",
        f"/releases/{release.slug}/events.csv",
        f"/releases/{release.slug}/sessions/{session.pk}/",
        f"/releases/{release.slug}/sessions/{session.pk}/live",
        f"/releases/{release.slug}/sessions/{session.pk}/invite.ics",
    ]
    for path in paths:
        assert _as(client, world["outsider"]).get(path).status_code == 404, path
        assert _as(client, world["member"]).get(path).status_code in (200, 304), path
        assert _as(client, world["manager"]).get(path).status_code in (200, 304), path


def test_the_calendar_feeds_follow_the_token_owners_rights(client, world):
    token = services.feed_token_regenerate(user=world["outsider"])
    due = client.get(f"/me/feed/{token}.ics").content.decode()
    assert "A1" in due and OPEN_NAME in due and SECRET not in due
    freezes = client.get(f"/freezes/feed/{token}.ics").content.decode()
    assert "Payments quiet week" not in freezes
    member_token = services.feed_token_regenerate(user=world["member"])
    assert "Payments quiet week" in client.get(f"/freezes/feed/{member_token}.ics").text


def test_a_persons_page_lists_only_the_readable_releases(client, world):
    page = _as(client, world["outsider"]).get(f"/people/{world['priya'].pk}/").content.decode()
    assert "Priya Private" in page and SECRET not in page
    inside = _as(client, world["member"]).get(f"/people/{world['priya'].pk}/").content.decode()
    assert SECRET in inside


def test_the_api_and_the_gate_answer_404_to_a_token_that_may_not_read(client, world):
    release = world["secret"]
    outsider, member = _token(world["outsider"]), _token(world["member"])
    listed = client.get("/api/releases", headers=outsider).json()
    assert SECRET not in str(listed) and OPEN_NAME in str(listed)
    for path in ("", "/gate", "/actions", "/conditions", "/deployments"):
        url = f"/api/releases/{release.slug}{path}"
        assert client.get(url, headers=outsider).status_code == 404, path
        assert client.get(url, headers=member).status_code == 200, path
    action = release.sessions.get().actions.get(code="A2")  # the outsider's own action
    assert client.get(f"/api/actions/{action.pk}", headers=outsider).status_code == 404
    changed = client.post(
        f"/api/actions/{action.pk}/status",
        {"status": "done", "expected_version": action.version},
        content_type="application/json",
        headers=outsider,
    )
    assert changed.status_code == 404
    action.refresh_from_db()
    assert action.status == "open"
    # A token restricted to the release, of a login that cannot read it, is no key either.
    restricted = _token(world["outsider"], release=world["public"])
    assert client.get(f"/api/releases/{release.slug}/gate", headers=restricted).status_code in (
        403,
        404,
    )


def test_a_token_may_only_be_restricted_to_a_readable_release(client, world):
    page = _as(client, world["outsider"]).get("/settings/tokens/").content.decode()
    assert OPEN_NAME in page and SECRET not in page


# --- Each team runs its own ---------------------------------------------------------------


def test_another_teams_facilitator_cannot_change_an_internal_teams_release(
    client, db, django_user_model
):
    release = make_release("Internal Thing")
    session = make_session(release)
    otto = django_user_model.objects.create_user("otto", password="x-long-password")
    join_team(otto, make_team("Mobile"))
    client.force_login(otto)
    before = release.events.count()
    assert client.get(f"/releases/{release.slug}/").status_code == 200  # internal: reads
    for path, data in [
        (f"/releases/{release.slug}/edit/", {"name": "Hijacked", "version": release.version}),
        (f"/releases/{release.slug}/cancel/", {"version": release.version}),
        (f"/releases/{release.slug}/sessions/{session.pk}/agenda/add", {"title": "X"}),
        (f"/releases/{release.slug}/sessions/new/", {"date": "2024-07-15"}),
    ]:
        assert client.post(path, data).status_code == 403, path
    assert release.events.count() == before
    assert Release.objects.get(pk=release.pk).name == "Internal Thing"


def test_a_new_release_goes_to_a_team_the_facilitator_runs(client, db, facilitator):
    mobile = make_team("Mobile")
    join_team(facilitator, mobile)
    other = make_team("Elsewhere")
    client.force_login(facilitator)
    page = client.get("/releases/new/").content.decode()
    assert "Mobile" in page and "Elsewhere" not in page
    data = {
        "name": "App 2.0",
        "planned_date": "2026-12-20",
        "language": "en",
        "window_time_zone": "UTC",
    }
    refused = client.post("/releases/new/", {**data, "team": other.pk})
    assert refused.status_code == 422
    assert not Release.objects.filter(name="App 2.0").exists()
    assert client.post("/releases/new/", {**data}).status_code == 422  # two teams: choose
    created = client.post("/releases/new/", {**data, "team": mobile.pk})
    assert created.status_code == 302, created.context["form"].errors
    assert Release.objects.get(name="App 2.0").team == mobile


def test_a_teams_webhook_hears_only_its_teams_releases(db, django_capture_on_commit_callbacks):
    mobile = make_team("Mobile")
    services.webhook_create(
        user=None,
        url="https://hooks.example.com/mobile",
        events=["decision.recorded"],
        team=mobile,
    )
    global_hook = services.webhook_create(
        user=None, url="https://hooks.example.com/all", events=["decision.recorded"]
    )
    make_decision(make_session(make_release("Billing")), Decision.Outcome.GO)
    make_decision(make_session(make_release("App", team=mobile)), Decision.Outcome.GO)
    heard = sorted(
        (d.webhook.url, d.payload["release"]["name"])
        for d in WebhookDelivery.objects.select_related("webhook")
    )
    assert heard == [
        ("https://hooks.example.com/all", "App"),
        ("https://hooks.example.com/all", "Billing"),
        ("https://hooks.example.com/mobile", "App"),
    ]
    assert global_hook.team is None


def test_a_teams_freeze_holds_its_releases_only(db):
    mobile = make_team("Mobile")
    services.freeze_create(
        user=None,
        name="App store review",
        kind="once",
        time_zone="UTC",
        starts_at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC),
        ends_at=dt.datetime(2030, 7, 1, tzinfo=dt.UTC),
        team=mobile,
    )
    app, billing = make_release("App", team=mobile), make_release("Billing")
    for release in (app, billing):
        make_decision(make_session(release), Decision.Outcome.GO)
    app_gate = services.release_gate_check(release=app, user=None)
    billing_gate = services.release_gate_check(release=billing, user=None)
    assert [b.kind for b in app_gate.blocking] == ["freeze"]
    assert billing_gate.ready


def test_the_freeze_form_keeps_a_facilitator_to_their_teams(client, facilitator):
    client.force_login(facilitator)
    form = {
        "name": "Site-wide",
        "kind": "once",
        "time_zone": "UTC",
        "starts_at": "2030-01-01T00:00",
        "ends_at": "2030-01-02T00:00",
    }
    other = make_team("Elsewhere")
    assert client.post("/freezes/create/", {**form, "team": other.pk}).status_code == 422
    assert client.post("/freezes/create/", {**form, "team": ""}).status_code == 302
    from readiness.models import Freeze

    assert Freeze.objects.get().team == default_team()  # their one team, not site-wide


def test_a_site_wide_freeze_and_a_global_webhook_are_the_admins(client, facilitator, admin_user):
    hook = services.webhook_create(
        user=None, url="https://hooks.example.com/x", events=["action.done"]
    )
    client.force_login(facilitator)
    assert client.get(f"/webhooks/{hook.pk}/").status_code == 404
    assert "hooks.example.com/x" not in client.get("/webhooks/").content.decode()
    client.force_login(admin_user)
    assert client.get(f"/webhooks/{hook.pk}/").status_code == 200


def test_a_team_approver_is_seated_for_their_area(db):
    payments = make_team("Payments")
    sam = make_person("Sam Security")
    join_team(sam, payments, Membership.Role.APPROVER, area="Security")
    release = make_release("Ledger", team=payments)
    session = services.session_schedule_from_template(
        user=None,
        release=release,
        scheduled_at=dt.datetime(2024, 7, 15, 14, tzinfo=dt.UTC),
        time_zone="UTC",
    )
    seat = session.participants.get()
    assert (seat.person, seat.area, seat.role) == (sam, "Security", "member")


def test_session_templates_are_offered_to_their_team(client, facilitator):
    session = make_session(make_release("Billing"))
    services.agenda_item_add(user=None, session=session, title="QA")
    services.readiness_check_set(user=None, session=session, area="QA", status="green")
    services.session_template_save(user=None, session=session, name="Billing go/no-go")
    mobile = make_team("Mobile")
    join_team(facilitator, mobile)
    client.force_login(facilitator)
    app = make_release("App", team=mobile)
    assert "Billing go/no-go" not in client.get(f"/releases/{app.slug}/sessions/new/").text
    billing = make_release("Billing 2")
    assert "Billing go/no-go" in client.get(f"/releases/{billing.slug}/sessions/new/").text


def test_minutes_of_another_teams_release_are_not_replaced(client, facilitator, sample_release):
    from tests.test_minutes_views import IMPORT_URL, upload

    client.force_login(facilitator)
    preview = client.post(IMPORT_URL, upload()).content.decode()
    assert "a team you do not facilitate" in preview
    assert 'name="replace"' not in preview


def test_a_team_keeps_one_facilitator(db):
    team = make_team("Solo")
    only = join_team(make_person("Only One"), team)
    with pytest.raises(ValidationError):
        services.membership_remove(user=None, membership=only, expected_version=only.version)
    with pytest.raises(ValidationError):
        services.membership_update(
            user=None, membership=only, expected_version=only.version, role="viewer"
        )
    assert Membership.objects.get(pk=only.pk).role == "facilitator"


def test_the_team_facilitators_are_told_when_nobody_else_can_be(db, mailoutbox):
    from readiness.notifications import release_facilitators

    mobile = make_team("Mobile")
    lead = make_person("Lena Lead")
    services.person_update(
        user=None,
        person=lead,
        expected_version=lead.version,
        name=lead.name,
        email="lena@example.com",
    )
    join_team(lead, mobile)
    join_team(make_person("Default Dan"), default_team())
    assert release_facilitators(make_release("App", team=mobile)) == [("lena@example.com", "en")]
    assert Session.objects.count() == 0


def test_the_duplicate_warning_names_no_private_release(client, world, facilitator):
    client.force_login(facilitator)
    data = {
        "name": SECRET,
        "planned_date": "2024-07-15",
        "language": "en",
        "window_time_zone": "UTC",
    }
    response = client.post("/releases/new/", data)
    assert response.status_code == 422
    named = [release.name for release in response.context["lookalikes"]]
    assert named == [OPEN_NAME]  # the same day, internal; the private one is not named
    assert SECRET not in response.content.decode().split("lookalikes", 1)[1]


def test_a_release_moves_to_another_team_its_facilitator_runs(client, facilitator):
    release = make_release("Ledger")  # the default team's, where the facilitator runs it
    mobile, elsewhere = make_team("Mobile"), make_team("Elsewhere")
    join_team(facilitator, mobile)
    client.force_login(facilitator)
    page = client.get(f"/releases/{release.slug}/edit/").content.decode()
    assert "Mobile" in page and "Elsewhere" not in page
    form = {
        "name": "Ledger",
        "planned_date": "2024-07-15",
        "language": "en",
        "window_time_zone": "UTC",
        "version": release.version,
    }
    refused = client.post(f"/releases/{release.slug}/edit/", {**form, "team": elsewhere.pk})
    assert refused.status_code == 422
    release.refresh_from_db()
    assert release.team == default_team()
    moved = client.post(f"/releases/{release.slug}/edit/", {**form, "team": mobile.pk})
    assert moved.status_code == 302
    release.refresh_from_db()
    assert release.team == mobile
    event = release.events.filter(verb="release.updated").latest("pk")
    assert (event.before["team_id"], event.after["team_id"]) == (default_team().pk, mobile.pk)
    assert client.get(f"/releases/{release.slug}/").status_code == 200  # its timeline
    kept = client.post(
        f"/releases/{release.slug}/edit/", {**form, "name": "Ledger 2", "version": release.version}
    )
    assert kept.status_code == 302
    release.refresh_from_db()
    assert (release.name, release.team) == ("Ledger 2", mobile)  # no team posted: it stays
