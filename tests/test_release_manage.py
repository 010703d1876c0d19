"""Managing a release: its slug, the duplicate warning, editing it, cancelling and deleting
it, each with its Event, and who may do each."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness import services
from readiness.models import Decision, Event, Release, release_slug
from tests.conftest import PASSWORD
from tests.factories import make_action, make_decision, make_person, make_release, make_session


@pytest.fixture
def fay(db, django_user_model):
    """Facilitates the release's session, in no group."""
    user = django_user_model.objects.create_user("fay", password=PASSWORD)
    make_person("Fay Lima", user=user)
    return user


@pytest.fixture
def oli(db, django_user_model):
    """Facilitates another release's session only."""
    user = django_user_model.objects.create_user("oli", password=PASSWORD)
    make_session(make_release("Elsewhere"), facilitator=make_person("Oli Reis", user=user))
    return user


@pytest.fixture
def release(fay, owner):
    release = make_release("Billing Gateway", planned_date=dt.date(2024, 7, 15))
    session = make_session(release, facilitator=fay.person)
    make_action(session, code="A1", owner=owner.person)
    make_decision(session, Decision.Outcome.GO)
    return release


def _edit(release, **changes) -> dict:
    data = {
        "name": release.name,
        "planned_date": release.planned_date.isoformat(),
        "language": release.language,
        "window_start": "",
        "window_end": "",
        "window_time_zone": "America/Sao_Paulo",
        "product_owner": "",
        "version": release.version,
    }
    data.update(changes)
    return data


# --- Slugs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "day", "slug"),
    [
        ("2025-03-10 Payments Ledger", dt.date(2025, 3, 10), "2025-03-10-payments-ledger"),
        ("Payments Ledger", dt.date(2025, 3, 10), "2025-03-10-payments-ledger"),
        ("2025-03-10", dt.date(2025, 3, 10), "2025-03-10"),
        # Another day in the name is part of the name.
        ("2025-03-11 Payments", dt.date(2025, 3, 10), "2025-03-10-2025-03-11-payments"),
        ("2025-03-100 runs", dt.date(2025, 3, 10), "2025-03-10-2025-03-100-runs"),
    ],
)
def test_the_slug_never_repeats_the_date(name, day, slug):
    assert release_slug(day, name) == slug


def test_the_new_release_form_gives_the_slug_without_the_date_twice(client, facilitator):
    client.force_login(facilitator)
    response = client.post(
        "/releases/new/",
        {
            "name": "2025-03-10 Payments Ledger",
            "planned_date": "2025-03-10",
            "language": "en",
            "window_time_zone": "UTC",
        },
    )
    assert response.status_code == 302
    assert Release.objects.get().slug == "2025-03-10-payments-ledger"
    assert client.get("/releases/2025-03-10-payments-ledger/").status_code == 200


# --- The duplicate warning ----------------------------------------------------------------


def _new(client, name, day, **extra):
    data = {"name": name, "planned_date": day, "language": "en", "window_time_zone": "UTC"}
    return client.post("/releases/new/", {**data, **extra})


def test_a_release_on_the_same_day_is_warned_about_and_confirmed(client, facilitator):
    make_release("Payments Ledger", planned_date=dt.date(2025, 3, 10))
    client.force_login(facilitator)
    response = _new(client, "Billing", "2025-03-10")
    assert response.status_code == 422
    page = response.content.decode()
    assert "Another release already has this name or this planned date" in page
    assert "Payments Ledger" in page
    assert 'value="Billing"' in page  # the input is kept
    assert Release.objects.count() == 1
    response = _new(client, "Billing", "2025-03-10", confirm_duplicate="on")
    assert response.status_code == 302
    assert Release.objects.count() == 2


def test_a_release_of_the_same_name_is_warned_about_whatever_its_case(client, facilitator):
    make_release("Payments Ledger", planned_date=dt.date(2025, 3, 10))
    client.force_login(facilitator)
    response = _new(client, "payments  ledger", "2025-04-01")
    assert response.status_code == 422
    assert "Payments Ledger" in response.content.decode()
    assert Release.objects.count() == 1


def test_no_lookalike_no_warning(client, facilitator):
    make_release("Payments Ledger", planned_date=dt.date(2025, 3, 10))
    client.force_login(facilitator)
    assert _new(client, "Billing", "2025-03-11").status_code == 302


def test_the_same_slug_is_still_refused_even_when_confirmed(client, facilitator):
    make_release("Payments Ledger", planned_date=dt.date(2025, 3, 10))
    client.force_login(facilitator)
    response = _new(client, "2025-03-10 Payments Ledger", "2025-03-10", confirm_duplicate="on")
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert Release.objects.count() == 1


# --- Editing ------------------------------------------------------------------------------


def test_it_edits_the_plan_and_keeps_the_slug(client, fay, release):
    client.force_login(fay)
    assert client.get(f"/releases/{release.slug}/edit/").status_code == 200
    response = client.post(
        f"/releases/{release.slug}/edit/",
        _edit(
            release,
            name="Billing Gateway v2",
            planned_date="2024-07-22",
            language="pt-br",
            window_start="2024-07-22T20:00",
            window_end="2024-07-22T23:00",
            product_owner="Paula Dono (Product)",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/releases/2024-07-15-billing-gateway/"
    edited = Release.objects.select_related("product_owner").get(pk=release.pk)
    assert edited.name == "Billing Gateway v2"
    assert edited.planned_date == dt.date(2024, 7, 22)
    assert edited.language == "pt-br"
    # 20:00 in São Paulo is 23:00 UTC.
    assert edited.deploy_window_start == dt.datetime(2024, 7, 22, 23, tzinfo=dt.UTC)
    assert edited.product_owner.name == "Paula Dono"
    assert edited.slug == "2024-07-15-billing-gateway"
    assert edited.version == release.version + 1
    event = Event.objects.filter(verb=Event.Verb.RELEASE_UPDATED).get()
    assert event.release == edited
    assert event.before["name"] == "Billing Gateway"
    assert event.after["name"] == "Billing Gateway v2"
    assert client.get("/releases/2024-07-15-billing-gateway/").status_code == 200


def test_a_stale_edit_is_refused_with_409_and_the_input_kept(client, fay, release):
    client.force_login(fay)
    read = release.version
    services.release_update(
        user=None,
        release=release,
        expected_version=read,
        name="Renamed",
        planned_date=release.planned_date,
        deploy_window_start=None,
        deploy_window_end=None,
        product_owner=None,
        language="en",
    )
    data = _edit(release, name="Mine", version=read)
    response = client.post(f"/releases/{release.slug}/edit/", data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this first" in page
    assert 'value="Mine"' in page
    assert Release.objects.get(pk=release.pk).name == "Renamed"


def test_an_invalid_edit_is_422_and_changes_nothing(client, fay, release):
    client.force_login(fay)
    response = client.post(
        f"/releases/{release.slug}/edit/",
        _edit(
            release, name="Kept", window_start="2024-07-22T20:00", window_end="2024-07-22T19:00"
        ),
    )
    assert response.status_code == 422
    assert 'value="Kept"' in response.content.decode()
    assert Release.objects.get(pk=release.pk).name == "Billing Gateway"
    old = _edit(release, planned_date="1999-01-01")
    response = client.post(f"/releases/{release.slug}/edit/", old)
    assert response.status_code == 422


def test_an_edit_onto_another_release_s_day_warns_first(client, fay, release):
    make_release("Ledger", planned_date=dt.date(2024, 7, 22))
    client.force_login(fay)
    response = client.post(
        f"/releases/{release.slug}/edit/", _edit(release, planned_date="2024-07-22")
    )
    assert response.status_code == 422
    assert "Ledger" in response.content.decode()
    assert Release.objects.get(pk=release.pk).planned_date == dt.date(2024, 7, 15)
    response = client.post(
        f"/releases/{release.slug}/edit/",
        _edit(release, planned_date="2024-07-22", confirm_duplicate="on"),
    )
    assert response.status_code == 302
    assert Release.objects.get(pk=release.pk).planned_date == dt.date(2024, 7, 22)


def test_keeping_its_own_name_and_day_is_no_duplicate(client, fay, release):
    client.force_login(fay)
    assert client.post(f"/releases/{release.slug}/edit/", _edit(release)).status_code == 302


# --- Cancelling ---------------------------------------------------------------------------


def test_it_cancels_a_planned_release_with_its_event(client, fay, release):
    client.force_login(fay)
    response = client.post(f"/releases/{release.slug}/cancel/", {"version": release.version})
    assert response.status_code == 302
    cancelled = Release.objects.get(pk=release.pk)
    assert cancelled.status == Release.Status.CANCELLED
    event = Event.objects.get(verb=Event.Verb.RELEASE_CANCELLED)
    assert (event.before["status"], event.after["status"]) == ("planned", "cancelled")
    assert "Cancelled" in client.get(release.get_absolute_url()).content.decode()
    # Cancelled releases are what the history's status filter finds.
    history = client.get("/releases/?status=cancelled").content.decode()
    assert "Billing Gateway" in history
    # Whatever its GO said, a cancelled release does not ship.
    gate = client.get(f"/api/releases/{release.slug}/gate").json()
    assert gate["ready"] is False
    assert gate["blocking"] == [
        {
            "kind": "decision",
            "text": "The release was cancelled.",
            "reference": "",
            "owner": None,
            "detail": None,
        }
    ]
    again = client.post(f"/releases/{release.slug}/cancel/", {"version": cancelled.version})
    assert again.status_code == 422
    assert Event.objects.filter(verb=Event.Verb.RELEASE_CANCELLED).count() == 1


def test_a_stale_cancel_is_409(client, fay, release):
    client.force_login(fay)
    response = client.post(f"/releases/{release.slug}/cancel/", {"version": release.version + 5})
    assert response.status_code == 409
    assert Release.objects.get(pk=release.pk).status == Release.Status.PLANNED


# --- Deleting -----------------------------------------------------------------------------


def test_it_deletes_the_release_and_keeps_its_whole_content_in_the_event(client, fay, release):
    services.deployment_record(
        user=fay,
        release=release,
        environment="staging",
        ref="v1.4.0-rc1",
        outcome="succeeded",
        started_at=dt.datetime(2024, 7, 14, 10, tzinfo=dt.UTC),
    )
    slug = release.slug
    events_before = Event.objects.filter(release_slug=slug).count()
    client.force_login(fay)
    response = client.post(f"/releases/{slug}/delete/", {"version": release.version})
    assert response.status_code == 302
    assert response["Location"] == "/releases/"
    assert not Release.objects.filter(slug=slug).exists()
    event = Event.objects.get(verb=Event.Verb.RELEASE_DELETED)
    assert event.release is None
    assert event.release_slug == slug
    content = event.before
    assert content["release"]["name"] == "Billing Gateway"
    assert content["minutes"]["release"]["slug"] == slug
    assert content["minutes"]["sessions"][0]["actions"][0]["code"] == "A1"
    assert content["deployments"][0]["ref"] == "v1.4.0-rc1"
    # Its earlier events stay in the log, detached, under its slug.
    assert Event.objects.filter(release_slug=slug).count() == events_before + 1
    assert client.get(f"/releases/{slug}/").status_code == 404


def test_the_deleted_content_imports_back(fay, release):
    """What the Event keeps is the minutes JSON the importer reads."""
    from readiness.minutes.exporter import release_as_markdown
    from readiness.minutes.importer import import_minutes
    from readiness.minutes.parser import parse_minutes

    markdown = release_as_markdown(release)
    services.release_remove(user=fay, release=release, expected_version=release.version)
    report = import_minutes(parse_minutes(markdown), user=None, source="test")
    assert report.created
    assert Release.objects.get().slug == release.slug


def test_a_stale_delete_is_409_and_deletes_nothing(client, fay, release):
    client.force_login(fay)
    response = client.post(f"/releases/{release.slug}/delete/", {"version": release.version + 1})
    assert response.status_code == 409
    assert Release.objects.filter(pk=release.pk).exists()


# --- Who may ------------------------------------------------------------------------------

ROLES = ["anonymous", "manager", "owner", "oli", "fay", "facilitator", "admin_user"]
MAY = {"fay", "facilitator", "admin_user"}


def _login(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


@pytest.mark.parametrize("role", ROLES)
def test_who_opens_the_edit_page(client, request, release, oli, role):
    _login(client, request, role)
    response = client.get(f"/releases/{release.slug}/edit/")
    expected = 302 if role == "anonymous" else 200 if role in MAY else 403
    assert response.status_code == expected
    page = client.get(release.get_absolute_url())
    if role != "anonymous":
        has_link = "Edit, cancel or delete the release" in page.content.decode()
        assert has_link == (role in MAY)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("what", ["edit", "cancel", "delete"])
def test_who_changes_the_release(client, request, release, oli, role, what):
    _login(client, request, role)
    before = Event.objects.count()
    # (Oli's release shares the planned date: the edit confirms past the warning.)
    data = (
        _edit(release, name="Changed", confirm_duplicate="on")
        if what == "edit"
        else {"version": release.version}
    )
    response = client.post(f"/releases/{release.slug}/{what}/", data)
    if role == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    elif role in MAY:
        assert response.status_code == 302
        assert Event.objects.count() == before + 1
        return
    else:
        assert response.status_code == 403
    assert Event.objects.count() == before
    assert Release.objects.get(pk=release.pk).name == "Billing Gateway"
    assert Release.objects.get(pk=release.pk).status == Release.Status.PLANNED


@pytest.mark.parametrize("what", ["edit", "cancel", "delete"])
def test_an_unknown_release_is_404_and_a_get_to_a_write_is_405(client, fay, release, what):
    client.force_login(fay)
    assert client.post(f"/releases/nope/{what}/", {}).status_code == 404
    if what != "edit":
        assert client.get(f"/releases/{release.slug}/{what}/").status_code == 405


def test_the_edit_page_makes_the_same_queries_at_two_sizes(client, fay):
    counts = []
    client.force_login(fay)
    for n in (1, 15):
        release = make_release(f"Sized {n}")
        for _ in range(n):
            make_session(release, facilitator=fay.person)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/releases/{release.slug}/edit/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
