"""The people directory: reading it, editing a person, merging duplicates, near-duplicates."""

import pytest
from django.db import connection
from django.urls import reverse

from readiness import services
from readiness.models import (
    Action,
    Condition,
    Decision,
    Event,
    Participant,
    Person,
    Release,
    Session,
    Vote,
)
from tests.factories import make_action, make_decision, make_person, make_release, make_session
from tests.test_minutes_views import upload

HX = {"HX-Request": "true"}


def _edit(person, **fields):
    data = {
        "name": person.name,
        "email": person.email,
        "title": person.title,
        "default_area": person.default_area,
        "version": person.version,
    }
    data.update(fields)
    return data


# --- Reading ------------------------------------------------------------------------------


def test_it_lists_people_to_every_login_and_searches_without_accents(client, any_role):
    make_person("Júlia Martins", title="QA Lead")
    make_person("Bruno Costa")
    client.force_login(any_role)
    response = client.get(reverse("people:list"), {"q": "julia"})
    assert response.status_code == 200
    assert "Júlia Martins" in response.content.decode()
    assert "Bruno Costa" not in response.content.decode()


def test_it_answers_the_list_alone_to_htmx(client, owner):
    client.force_login(owner)
    response = client.get(reverse("people:list"), {"q": "owen"}, headers=HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="people-list"')
    assert "Owen Owner" in body


def test_it_paginates_the_list(client, owner):
    for i in range(60):
        make_person(f"Person {i:02}")
    client.force_login(owner)
    first = client.get(reverse("people:list")).content.decode()
    second = client.get(reverse("people:list"), {"page": 2}).content.decode()
    assert "Person 00" in first and "Person 59" not in first
    assert "Person 59" in second


def test_it_refuses_the_wrong_method_and_a_missing_person(client, facilitator):
    client.force_login(facilitator)
    assert client.post(reverse("people:list")).status_code == 405
    assert client.get(reverse("people:detail", args=[999999])).status_code == 404
    assert client.get(reverse("people:merge", args=[facilitator.person.pk])).status_code == 405


def test_a_persons_page_shows_details_sessions_and_what_they_owe(client, manager, owner, session):
    person = owner.person
    services.person_update(
        user=None,
        person=person,
        expected_version=None,
        name=person.name,
        email="owen@example.com",
        title="SRE Lead",
        default_area="Operations",
    )
    services.participant_add(user=None, session=session, person=person, area="QA")
    make_action(session, code="A1", owner=person, description="Re-run k6")
    client.force_login(manager)
    body = client.get(person.get_absolute_url()).content.decode()
    for text in ("owen@example.com", "SRE Lead", "Operations", "owner", "A1: Re-run k6"):
        assert text in body
    assert session.release.name in body
    assert "Edit details" not in body  # managers read, facilitators edit


@pytest.mark.parametrize("count", [2, 40])
def test_the_list_and_a_persons_page_make_the_same_queries_at_any_size(
    client, facilitator, django_assert_max_num_queries, count
):
    person = make_person("Ana Souza")
    for i in range(count):
        session = make_session(make_release(f"R{count}-{i}"))
        services.participant_add(user=None, session=session, person=person)
        make_action(session, code="A1", owner=person)
        make_person(f"Someone {i}", user=None)
    client.force_login(facilitator)
    # As many at 2 as at 40 of everything: what the login costs, then a count and a page
    # for the list; the person, their sessions, three for what they owe, their
    # near-duplicates and their teams for the person's page.
    with django_assert_max_num_queries(5):
        assert client.get(reverse("people:list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(person.get_absolute_url()).status_code == 200


# --- Editing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("manager", False), ("owner", False), ("facilitator", True), ("admin_user", True)],
)
def test_only_facilitators_and_admins_edit_a_person(client, request, role, allowed):
    user = request.getfixturevalue(role)
    person = make_person("Ana Souza")
    client.force_login(user)
    url = reverse("people:edit", args=[person.pk])
    before = Event.objects.count()
    response = client.post(url, _edit(person, email="ana@example.com", default_area="QA"))
    person.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert (person.email, person.default_area, person.version) == ("ana@example.com", "QA", 2)
        event = Event.objects.get(verb=Event.Verb.PERSON_UPDATED, subject_id=person.pk)
        assert event.after["email"] == "ana@example.com"
    else:
        assert response.status_code == 403
        assert person.email == ""
        assert Event.objects.count() == before
        assert client.get(url).status_code == 403


def test_an_edit_answers_htmx_with_the_details_region(client, facilitator):
    person = make_person("Ana Souza")
    client.force_login(facilitator)
    url = reverse("people:edit", args=[person.pk])
    opened = client.get(url, headers=HX).content.decode()
    assert opened.lstrip().startswith('<section id="person-details"') and "<form" in opened
    saved = client.post(url, _edit(person, title="QA Lead"), headers=HX)
    assert saved.status_code == 200
    assert "QA Lead" in saved.content.decode() and "<form" not in saved.content.decode()


def test_a_stale_edit_is_409_with_their_change_and_my_text(client, facilitator):
    person = make_person("Ana Souza")
    seen = person.version
    services.person_update(
        user=None, person=person, expected_version=seen, name="Ana Souza", email="a@example.com"
    )
    client.force_login(facilitator)
    url = reverse("people:edit", args=[person.pk])
    response = client.post(url, {"name": "Ana Souza", "title": "QA Lead", "version": seen})
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this first" in body and 'value="QA Lead"' in body
    person.refresh_from_db()
    assert person.title == "" and person.email == "a@example.com"
    again = client.post(url, {"name": "Ana Souza", "title": "QA Lead", "version": person.version})
    assert again.status_code == 302


def test_an_invalid_edit_is_422_with_the_input_kept(client, facilitator):
    person = make_person("Ana Souza")
    make_person("Bruno Costa")
    client.force_login(facilitator)
    url = reverse("people:edit", args=[person.pk])
    bad_mail = client.post(url, _edit(person, email="not-an-address"))
    assert bad_mail.status_code == 422 and 'value="not-an-address"' in bad_mail.content.decode()
    taken = client.post(url, _edit(person, name="bruno costa"), headers=HX)
    assert taken.status_code == 422
    assert "already has this name" in taken.content.decode()
    person.refresh_from_db()
    assert person.name == "Ana Souza" and person.version == 1


# --- Merging ------------------------------------------------------------------------------


@pytest.fixture
def twins(facilitator):
    """ "Júlia Martins" and "Julia Martins" (imported apart), each with records."""
    kept = make_person("Júlia Martins", title="QA Lead")
    merged = services.person_get_or_create(user=None, name="Julia Martins")
    services.person_update(
        user=None,
        person=merged,
        expected_version=None,
        name="Julia Martins",
        email="julia@example.com",
    )
    one = make_session(make_release("Payments"), facilitator=merged)
    two = make_session(make_release("Ledger"))
    both = services.participant_add(user=None, session=two, person=kept, area="QA")
    theirs = services.participant_add(user=None, session=two, person=merged, area="QA")
    services.participant_add(user=None, session=one, person=merged, area="QA")
    action = make_action(one, code="A1", owner=merged)
    decision = make_decision(
        two,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=merged)],
        method=Decision.Method.VOTE,
        votes=[services.VoteSpec(participant=theirs, choice="go")],
    )
    release = one.release
    Release.objects.filter(pk=release.pk).update(product_owner=merged)  # no form sets it yet
    return {
        "kept": kept,
        "merged": merged,
        "one": one,
        "two": two,
        "kept_participant": both,
        "action": action,
        "condition": decision.conditions.get(),
        "decision": decision,
        "release": release,
    }


def test_a_merge_moves_everything_and_says_so(client, facilitator, twins):
    kept, merged = twins["kept"], twins["merged"]
    client.force_login(facilitator)
    response = client.post(
        reverse("people:merge", args=[kept.pk]), {"merged": merged.pk, "version": kept.version}
    )
    assert response.status_code == 302
    assert not Person.objects.filter(pk=merged.pk).exists()
    assert Action.objects.get(pk=twins["action"].pk).owner_id == kept.pk
    assert Condition.objects.get(pk=twins["condition"].pk).owner_id == kept.pk
    assert Session.objects.get(pk=twins["one"].pk).facilitator_id == kept.pk
    assert Release.objects.get(pk=twins["release"].pk).product_owner_id == kept.pk
    # One participation per session: in session two, the kept one, with the merged vote.
    assert Participant.objects.filter(session=twins["two"], person=kept).count() == 1
    assert Participant.objects.filter(session=twins["one"], person=kept).count() == 1
    vote = Vote.objects.get(decision=twins["decision"])
    assert vote.participant_id == twins["kept_participant"].pk
    kept.refresh_from_db()
    assert kept.email == "julia@example.com"  # a blank filled from the duplicate
    assert kept.title == "QA Lead"
    event = Event.objects.get(verb=Event.Verb.PERSON_MERGED)
    assert event.subject_id == kept.pk
    assert event.after["merged"]["name"] == "Julia Martins"
    assert event.after["moved"] == {
        "actions": 1,
        "conditions": 1,
        "facilitated_sessions": 1,
        "product_owner_of": 1,
        "votes": 1,
        "participations": 1,
        "participations_joined": 1,
        "reminders": 0,
    }


def _state():
    return (
        list(Person.objects.values_list("pk", "name", "version")),
        list(Participant.objects.values_list("pk", "person_id")),
        list(Action.objects.values_list("pk", "owner_id")),
        list(Vote.objects.values_list("pk", "participant_id")),
        Event.objects.count(),
    )


def test_a_merge_is_refused_to_whoever_may_not_and_changes_nothing(client, owner, manager, twins):
    kept, merged = twins["kept"], twins["merged"]
    before = _state()
    for user in (owner, manager):
        client.force_login(user)
        url = reverse("people:merge", args=[kept.pk])
        assert client.post(url, {"merged": merged.pk, "version": 1}).status_code == 403
    assert _state() == before


def test_refused_merges_change_nothing(client, facilitator, django_user_model, twins):
    kept, merged = twins["kept"], twins["merged"]
    url = reverse("people:merge", args=[kept.pk])
    client.force_login(facilitator)
    before = _state()
    # Itself, nobody, a stale version.
    assert client.post(url, {"merged": kept.pk, "version": kept.version}).status_code == 422
    assert client.post(url, {"merged": 999999, "version": kept.version}).status_code == 422
    assert client.post(url, {"merged": merged.pk, "version": kept.version + 5}).status_code == 409
    # Both voted on one decision: they cannot be one person.
    their_vote = Vote.objects.get(decision=twins["decision"])
    Vote.objects.create(
        decision=twins["decision"], participant=twins["kept_participant"], choice="go"
    )
    with_votes = _state()
    response = client.post(url, {"merged": merged.pk, "version": kept.version})
    assert response.status_code == 422
    assert "voted on the same decision" in response.content.decode()
    assert _state() == with_votes
    Vote.objects.filter(participant=twins["kept_participant"]).delete()
    assert Vote.objects.get().pk == their_vote.pk
    # Both with their own login.
    services.person_link_user(
        user=None, person=kept, login=django_user_model.objects.create_user("julia1")
    )
    services.person_link_user(
        user=None, person=merged, login=django_user_model.objects.create_user("julia2")
    )
    kept.refresh_from_db()
    linked = _state()
    response = client.post(url, {"merged": merged.pk, "version": kept.version})
    assert response.status_code == 422 and "own login" in response.content.decode()
    assert _state() == linked
    assert before[0] != linked[0]  # only the links, written above, changed


def test_a_merge_carries_the_login_over_when_only_the_duplicate_has_one(
    facilitator, django_user_model
):
    kept = make_person("Ana Souza")
    login = django_user_model.objects.create_user("ana")
    merged = services.person_get_or_create(user=None, name="Ana Sousa")
    services.person_link_user(user=None, person=merged, login=login)
    services.person_merge(user=facilitator, kept=kept, merged=merged)
    kept.refresh_from_db()
    assert kept.user_id == login.pk


# --- Near-duplicates ----------------------------------------------------------------------


def test_near_duplicates_ignore_accents_and_case_on_every_database(db):
    julia = make_person("Júlia Martins")
    make_person("Bruno Costa")
    assert list(Person.objects.close_to("JULIA  martins")) == [julia]
    assert list(Person.objects.exclude(pk=julia.pk).close_to("Julia Martins")) == []


def test_a_persons_page_suggests_the_near_duplicate_with_a_merge(client, facilitator):
    julia = make_person("Júlia Martins")
    other = services.person_get_or_create(user=None, name="Julia Martins")
    client.force_login(facilitator)
    body = client.get(julia.get_absolute_url()).content.decode()
    assert "Maybe the same person" in body
    assert other.get_absolute_url() in body
    assert f'name="merged" value="{other.pk}"' in body


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="trigram similarity needs PostgreSQL's pg_trgm; SQLite compares folded names only",
)
def test_near_duplicates_by_trigram_similarity_on_postgresql(db):
    julia = make_person("Júlia Martins")
    make_person("Julio Santos")
    assert list(Person.objects.close_to("Julia Martin")) == [julia]
    assert list(Person.objects.close_to("Júlia Martinez")) == [julia]


def test_a_form_names_the_existing_person_rather_than_a_near_duplicate(facilitator, session):
    julia = make_person("Júlia Martins")
    participant = services.participant_add_named(
        user=facilitator, session=session, name="julia martins", area="QA"
    )
    assert participant.person_id == julia.pk
    assert Person.objects.filter(name_key="julia martins").count() == 1


def test_people_search_finds_a_name_without_its_accents(client, owner):
    make_person("Júlia Martins")
    client.force_login(owner)
    response = client.get(reverse("people_search"), {"q": "julia"})
    assert "Júlia Martins" in response.content.decode()


def test_the_folded_name_follows_every_rename(db):
    person = make_person("Ana Souza")
    services.person_update(user=None, person=person, expected_version=None, name="Ána  SOUZA")
    person.refresh_from_db()
    assert person.name_key == "ana souza"
    assert Person.objects.get(pk=person.pk).name_key == "ana souza"


# --- The import preview -------------------------------------------------------------------


def test_the_import_preview_warns_of_a_name_close_to_someone_known(client, facilitator):
    make_person("Julia Martins")
    client.force_login(facilitator)
    response = client.post(reverse("minutes:import"), upload())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Some new names are close to people already in the directory." in page
    assert "“Júlia Martins” is close to Julia Martins" in page
    assert not Person.objects.filter(name="Júlia Martins").exists()  # a preview writes nothing


def test_the_import_preview_warns_of_nothing_when_no_name_is_close(client, facilitator):
    client.force_login(facilitator)
    page = client.post(reverse("minutes:import"), upload()).content.decode()
    assert "close to people already in the directory" not in page


def test_a_facilitator_links_a_login_and_a_taken_or_unknown_one_is_refused(
    client, facilitator, owner, django_user_model
):
    person = make_person("Ana Souza")
    django_user_model.objects.create_user("ana")
    client.force_login(facilitator)
    url = reverse("people:edit", args=[person.pk])
    unknown = client.post(url, _edit(person, login="nobody"))
    assert unknown.status_code == 422 and "No active login" in unknown.content.decode()
    taken = client.post(url, _edit(person, login="owner"))
    assert taken.status_code == 422 and "already belongs" in taken.content.decode()
    assert client.post(url, _edit(person, login="ana")).status_code == 302
    person.refresh_from_db()
    assert person.user.get_username() == "ana"
    # Saved again without touching it, the link stays; emptied, it goes.
    assert client.post(url, _edit(person, login="ana")).status_code == 302
    person.refresh_from_db()
    assert client.post(url, _edit(person, login="")).status_code == 302
    person.refresh_from_db()
    assert person.user is None


def test_a_participant_takes_the_directorys_area_when_none_is_given(facilitator, session):
    ana = make_person("Ana Souza")
    services.person_update(
        user=None, person=ana, expected_version=None, name=ana.name, default_area="QA"
    )
    first = services.participant_add_named(user=facilitator, session=session, name="Ana Souza")
    assert first.area == "QA"
    other = make_session()
    second = services.participant_add_named(
        user=facilitator, session=other, name="Ana Souza", area="Security"
    )
    assert second.area == "Security"


def test_adding_a_participant_close_to_someone_known_says_so(client, facilitator, session):
    make_person("Júlia Martins")
    services.person_get_or_create(user=None, name="Julia Martins")  # imported apart
    client.force_login(facilitator)
    url = reverse("sessions:participant_add", args=[session.release.slug, session.pk])
    response = client.post(url, {"name": "Julia Martins", "role": "member"}, headers=HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="participant-close"' in body
    assert "may be the same person as Júlia Martins" in body
    quiet = client.post(url, {"name": "Bruno Costa", "role": "member"}, headers=HX)
    assert 'id="participant-close"' not in quiet.content.decode()
