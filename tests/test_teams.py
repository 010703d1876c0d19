"""The team pages: the list, a team's page, its edit, and its members, for each role."""

import pytest
from django.urls import reverse

from readiness import services
from readiness.models import Event, Membership, Person, SessionTemplate, Team
from tests.conftest import PASSWORD
from tests.factories import join_team, make_person, make_release, make_team

HX = {"HX-Request": "true"}
FACILITATOR = Membership.Role.FACILITATOR
APPROVER = Membership.Role.APPROVER
MEMBER = Membership.Role.MEMBER
VIEWER = Membership.Role.VIEWER


def _login(django_user_model, username, **extra):
    return django_user_model.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), **extra
    )


@pytest.fixture
def team(db):
    return make_team("Payments", private=True, description="Cards, refunds and payouts.")


@pytest.fixture
def lead(team, django_user_model):
    """A facilitator of the team."""
    user = _login(django_user_model, "lead")
    join_team(user, team, FACILITATOR)
    return user


@pytest.fixture
def other_lead(django_user_model):
    """A facilitator of another team."""
    user = _login(django_user_model, "other")
    join_team(user, make_team("Growth"), FACILITATOR)
    return user


@pytest.fixture
def viewer(team, django_user_model):
    user = _login(django_user_model, "viewer")
    join_team(user, team, VIEWER)
    return user


@pytest.fixture
def outsider(db, django_user_model):
    return _login(django_user_model, "outsider")


@pytest.fixture
def member(team):
    """Someone of the directory in the team, with an address."""
    person = make_person("Bruno Costa", title="SRE")
    person.email = "bruno@example.com"
    person.save()
    return join_team(person, team, MEMBER)


def _urls(team, membership):
    """Every address of the team, by method, with what a write would post."""
    slug = team.slug
    edit = {"name": "Hacked", "visibility": "internal", "version": team.version}
    role = {"role": VIEWER, "area": "", "version": membership.version}
    return {
        "get": [
            reverse("teams:detail", args=[slug]),
            reverse("teams:edit", args=[slug]),
            reverse("teams:member_edit", args=[slug, membership.pk]),
        ],
        "post": [
            (reverse("teams:edit", args=[slug]), edit),
            (reverse("teams:member_add", args=[slug]), {"name": "Fay", "role": MEMBER}),
            (
                reverse("teams:member_invite", args=[slug]),
                {"name": "Zed", "email": "zed@example.com", "role": MEMBER},
            ),
            (reverse("teams:member_edit", args=[slug, membership.pk]), role),
            (
                reverse("teams:member_remove", args=[slug, membership.pk]),
                {"version": membership.version},
            ),
        ],
    }


def _nothing_written(team, count):
    team.refresh_from_db()
    assert team.name != "Hacked"
    assert Event.objects.count() == count


# --- The list -----------------------------------------------------------------------------


def test_the_list_shows_each_visible_team_with_its_counts_and_my_role(client, lead, member):
    team = lead.person.memberships.get().team
    make_release("Cards v2", team=team)
    hidden = make_team("Secret", private=True)
    client.force_login(lead)
    response = client.get(reverse("teams:list"))
    body = response.text
    assert response.status_code == 200
    row = body[body.index(team.get_absolute_url()) :]
    row = row[: row.index("</tr>")]
    assert "Private" in row and "Facilitator" in row
    assert '"Members">2<' in row.replace(' class="num"', "")
    assert '"Releases">1<' in row.replace(' class="num"', "")
    assert hidden.name not in body
    assert "New team" not in body
    assert 'href="/teams/"' in body and 'aria-current="page"' in body


def test_the_list_says_internal_and_not_a_member(client, outsider):
    make_team("Platform")
    client.force_login(outsider)
    body = client.get(reverse("teams:list")).text
    row = body[body.index("Platform") :]
    row = row[: row.index("</tr>")]
    assert "Internal" in row and "Not a member" in row


def test_admins_and_managers_see_private_teams_and_only_admins_may_create(
    client, team, manager, admin_user
):
    client.force_login(manager)
    body = client.get(reverse("teams:list")).text
    assert "Payments" in body and "New team" not in body
    assert client.get(reverse("teams:create")).status_code == 403
    client.force_login(admin_user)
    body = client.get(reverse("teams:list")).text
    assert "Payments" in body and 'href="/teams/new/"' in body


def test_the_list_refuses_a_post_and_asks_for_a_login(client, outsider):
    assert client.get(reverse("teams:list")).status_code == 302
    client.force_login(outsider)
    assert client.post(reverse("teams:list")).status_code == 405


# --- Creating a team ----------------------------------------------------------------------


def test_an_admin_creates_a_team(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("teams:create")).status_code == 200
    response = client.post(
        reverse("teams:create"),
        {
            "name": "Data Platform",
            "slug": "",
            "visibility": "private",
            "default_time_zone": "Europe/Lisbon",
            "default_language": "en",
        },
    )
    team = Team.objects.get(name="Data Platform")
    assert response.status_code == 302 and response.url == team.get_absolute_url()
    assert team.slug == "data-platform" and team.is_private
    assert Event.objects.filter(verb=Event.Verb.TEAM_CREATED, subject_id=team.pk).exists()


def test_a_new_team_with_bad_input_is_refused_beside_the_fields(client, admin_user):
    make_team("Payments")
    client.force_login(admin_user)
    count = Team.objects.count()
    response = client.post(
        reverse("teams:create"),
        {"name": "payments", "visibility": "internal", "default_time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 422
    assert "Mars/Olympus is not a known time zone" in response.text
    response = client.post(reverse("teams:create"), {"name": "payments", "visibility": "internal"})
    assert response.status_code == 422
    assert "Another team already has this name." in response.text
    assert Team.objects.count() == count


def test_facilitators_may_not_create_teams(client, lead):
    client.force_login(lead)
    assert client.get(reverse("teams:create")).status_code == 403
    assert client.post(reverse("teams:create"), {"name": "Mine"}).status_code == 403
    assert not Team.objects.filter(name="Mine").exists()


# --- A team's page ------------------------------------------------------------------------


def test_the_team_page_shows_defaults_members_and_releases_newest_first(client, lead, member):
    team = Team.objects.get(slug="payments")
    services.team_update(
        user=None,
        team=team,
        expected_version=None,
        name=team.name,
        description=team.description,
        visibility=team.visibility,
        default_time_zone="America/Sao_Paulo",
        default_language="pt-br",
    )
    SessionTemplate.objects.create(name="Payments go/no-go", team=team)
    approver = join_team(make_person("Carla Dias"), team, APPROVER, area="Security")
    import datetime as dt

    make_release("Older", planned_date=dt.date(2024, 1, 10), team=team)
    newer = make_release("Newer", planned_date=dt.date(2024, 6, 10), team=team)
    make_release("Elsewhere")
    client.force_login(lead)
    body = client.get(team.get_absolute_url()).text
    assert "Cards, refunds and payouts." in body
    assert "Private: only its members and site managers read its releases" in body
    assert "America/Sao_Paulo" in body and "Brazilian Portuguese" in body
    assert "Payments go/no-go" in body
    row = body[body.index(f'id="member-{approver.pk}"') :]
    assert "Approver" in row[: row.index("</tr>")] and "Security" in row[: row.index("</tr>")]
    assert body.index("Newer") < body.index("Older")
    assert f'href="{newer.get_absolute_url()}"' in body
    assert "Elsewhere" not in body
    assert "Edit the team" in body and "Add to the team" in body and "Invite" in body


def test_the_team_page_pages_its_releases(client, lead):
    team = Team.objects.get(slug="payments")
    for i in range(25):
        make_release(f"Payments {i:02}", team=team)
    client.force_login(lead)
    first = client.get(team.get_absolute_url()).text
    assert "25 releases" in first and "Page 1 of 2" in first
    response = client.get(
        team.get_absolute_url(), {"page": 2}, headers={**HX, "HX-Target": "team-releases"}
    )
    assert response.text.lstrip().startswith('<section id="team-releases"')
    assert response.text.count('<tr><th scope="row">') == 5


@pytest.mark.parametrize("count", [2, 30])
def test_the_pages_make_the_same_queries_at_any_size(
    client, lead, django_assert_max_num_queries, count
):
    team = Team.objects.get(slug="payments")
    for i in range(count):
        make_release(f"R{count}-{i}", team=team)
        join_team(make_person(f"Member {i}"), team, APPROVER if i % 2 else MEMBER)
        make_team(f"Team {count}-{i}")
    services.membership_update(
        user=None,
        membership=Membership.objects.filter(team=team, role=MEMBER).first(),
        expected_version=None,
        role=VIEWER,
    )
    client.force_login(lead)
    # The login and its roles, then the teams with their counts.
    with django_assert_max_num_queries(5):
        assert client.get(reverse("teams:list")).status_code == 200
    # The login, its roles and groups, the team, its members, templates, a count and a
    # page of releases, the latest changes.
    with django_assert_max_num_queries(10):
        assert client.get(team.get_absolute_url()).status_code == 200


def test_a_member_write_answers_the_members_section_alone(client, lead, member):
    team = member.team
    client.force_login(lead)
    response = client.get(team.get_absolute_url(), headers={**HX, "HX-Target": "team-members"})
    assert response.text.lstrip().startswith('<section id="team-members"')


# --- Who may do what ----------------------------------------------------------------------


def test_a_non_member_gets_404_on_every_address_of_a_private_team(
    client, team, lead, member, outsider, other_lead
):
    count = Event.objects.count()
    urls = _urls(team, member)
    for user in (outsider, other_lead):
        client.force_login(user)
        for url in urls["get"]:
            assert client.get(url).status_code == 404, url
        for url, data in urls["post"]:
            assert client.post(url, data).status_code == 404, url
        assert "Payments" not in client.get(reverse("teams:list")).text
    _nothing_written(team, count)
    assert not Person.objects.filter(name="Zed").exists()


def test_another_teams_facilitator_reads_an_internal_team_and_may_not_write(
    client, other_lead, django_user_model
):
    team = make_team("Checkout")
    user = _login(django_user_model, "checkout-lead")
    join_team(user, team, FACILITATOR)
    membership = join_team(make_person("Dora"), team, MEMBER)
    count = Event.objects.count()
    client.force_login(other_lead)
    urls = _urls(team, membership)
    body = client.get(urls["get"][0]).text
    assert "Dora" in body and "Edit the team" not in body and "Add to the team" not in body
    for url in urls["get"][1:]:
        assert client.get(url).status_code == 403, url
    for url, data in urls["post"]:
        assert client.post(url, data).status_code == 403, url
    _nothing_written(team, count)


def test_a_viewer_reads_the_team_without_write_controls(client, team, viewer, member):
    count = Event.objects.count()
    client.force_login(viewer)
    urls = _urls(team, member)
    body = client.get(urls["get"][0]).text
    assert "Bruno Costa" in body
    for control in ("Edit the team", "Add to the team", "Invite by e-mail", ">Change<"):
        assert control not in body
    for url in urls["get"][1:]:
        assert client.get(url).status_code == 403, url
    for url, data in urls["post"]:
        assert client.post(url, data).status_code == 403, url
    _nothing_written(team, count)


def test_a_site_manager_reads_a_private_team_and_writes_nothing(client, team, manager, member):
    count = Event.objects.count()
    client.force_login(manager)
    urls = _urls(team, member)
    body = client.get(urls["get"][0]).text
    assert "Bruno Costa" in body and "Edit the team" not in body
    for url in urls["get"][1:]:
        assert client.get(url).status_code == 403, url
    for url, data in urls["post"]:
        assert client.post(url, data).status_code == 403, url
    _nothing_written(team, count)


def test_an_admin_does_everything(client, team, admin_user, member, mailoutbox):
    client.force_login(admin_user)
    body = client.get(team.get_absolute_url()).text
    assert "Edit the team" in body and "Add to the team" in body
    assert client.get(reverse("teams:edit", args=[team.slug])).status_code == 200
    url = reverse("teams:member_edit", args=[team.slug, member.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"role": FACILITATOR, "area": "", "version": member.version})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == FACILITATOR


def test_it_refuses_the_wrong_method_and_missing_records(client, lead, member):
    team = member.team
    other = join_team(make_person("Elsewhere Person"), make_team("Other"), MEMBER)
    client.force_login(lead)
    assert client.post(team.get_absolute_url()).status_code == 405
    assert client.get(reverse("teams:member_add", args=[team.slug])).status_code == 405
    assert (
        client.get(reverse("teams:member_remove", args=[team.slug, member.pk])).status_code == 405
    )
    assert client.get(reverse("teams:detail", args=["nope"])).status_code == 404
    # A membership of another team is not found through this one.
    assert client.get(reverse("teams:member_edit", args=[team.slug, other.pk])).status_code == 404


# --- Editing the team ---------------------------------------------------------------------


def _edit(team, **fields):
    data = {
        "name": team.name,
        "description": team.description,
        "visibility": team.visibility,
        "default_time_zone": team.default_time_zone,
        "default_language": team.default_language,
        "version": team.version,
    }
    data.update(fields)
    return data


def test_a_facilitator_edits_the_team_and_its_slug_stays(client, team, lead):
    client.force_login(lead)
    response = client.get(reverse("teams:edit", args=[team.slug]))
    assert response.status_code == 200 and 'value="Payments"' in response.text
    response = client.post(
        reverse("teams:edit", args=[team.slug]),
        _edit(
            team,
            name="Payments & Payouts",
            slug="renamed",
            visibility="internal",
            default_time_zone="Europe/Lisbon",
            default_language="en",
        ),
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "Payments & Payouts" and team.slug == "payments"
    assert team.visibility == "internal" and team.default_time_zone == "Europe/Lisbon"
    event = Event.objects.filter(verb=Event.Verb.TEAM_UPDATED).latest("pk")
    assert event.before["name"] == "Payments" and event.after["name"] == "Payments & Payouts"
    # The change reads in the team's latest changes.
    body = client.get(team.get_absolute_url()).text
    assert "updated the team" in body and "Payments &amp; Payouts" in body


def test_a_stale_edit_answers_409_and_keeps_the_input(client, team, lead):
    client.force_login(lead)
    seen = team.version
    services.team_update(
        user=None, team=team, expected_version=seen, name="Payments Core", visibility="private"
    )
    response = client.post(
        reverse("teams:edit", args=[team.slug]),
        _edit(team, name="My Payments", version=seen, description="Mine"),
    )
    assert response.status_code == 409
    assert 'value="My Payments"' in response.text and "Mine</textarea>" in response.text
    assert "Someone else saved this first" in response.text
    team.refresh_from_db()
    assert team.name == "Payments Core"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"default_time_zone": "Mars/Olympus"}, "Mars/Olympus is not a known time zone"),
        ({"name": ""}, "This field is required."),
        ({"visibility": "public"}, "Select a valid choice."),
        ({"default_language": "fr"}, "Select a valid choice."),
    ],
)
def test_bad_input_answers_422_and_changes_nothing(client, team, lead, fields, message):
    client.force_login(lead)
    count = Event.objects.count()
    response = client.post(reverse("teams:edit", args=[team.slug]), _edit(team, **fields))
    assert response.status_code == 422
    assert message in response.text
    _nothing_written(team, count)
    assert team.name == "Payments" and team.default_time_zone == ""


# --- Members ------------------------------------------------------------------------------


def _add(client, team, name, role=MEMBER, area="", **headers):
    return client.post(
        reverse("teams:member_add", args=[team.slug]),
        {"name": name, "role": role, "area": area},
        headers=headers,
    )


def test_a_facilitator_adds_someone_from_the_directory(
    client, team, lead, mailoutbox, django_capture_on_commit_callbacks
):
    person = make_person("Júlia Martins")
    person.email = "julia@example.com"
    person.save()
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        # Accents aside, as the suggestions offer the name.
        response = _add(client, team, "julia martins", APPROVER, "QA", **HX)
    assert response.status_code == 200
    body = response.text
    assert body.lstrip().startswith('<section id="team-members"')
    assert "Júlia Martins joined the team; an invitation e-mail is on its way to" in body
    membership = Membership.objects.get(team=team, person=person)
    assert membership.role == APPROVER and membership.area == "QA"
    assert membership.added_by == lead
    event = Event.objects.get(verb=Event.Verb.MEMBERSHIP_ADDED, subject_id=membership.pk)
    assert event.actor == lead and event.after["role"] == APPROVER
    assert [m.to for m in mailoutbox] == [["julia@example.com"]]


def test_the_add_form_asks_the_directory_for_names(client, team, lead):
    client.force_login(lead)
    body = client.get(team.get_absolute_url()).text
    assert f'hx-get="{reverse("people_search")}"' in body and 'list="people-options"' in body
    make_person("Júlia Martins")
    options = client.get(reverse("people_search"), {"name": "juli"}).text
    assert 'value="Júlia Martins"' in options


def test_adding_someone_without_an_address_says_no_mail_went(
    client, team, lead, mailoutbox, django_capture_on_commit_callbacks
):
    make_person("Nadia Noaddress")
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = _add(client, team, "Nadia Noaddress")
    assert response.status_code == 302
    assert response.url == f"{team.get_absolute_url()}#team-members"
    body = client.get(response.url).text
    assert "No e-mail was sent: the directory has no address for them." in body
    assert mailoutbox == []


def test_an_unknown_name_and_a_missing_area_are_refused_beside_the_fields(client, team, lead):
    make_person("Carla Dias")
    client.force_login(lead)
    count = Membership.objects.count()
    response = _add(client, team, "Nobody Known", **HX)
    assert response.status_code == 422
    assert "Nobody in the directory is called Nobody Known" in response.text
    assert 'value="Nobody Known"' in response.text
    response = _add(client, team, "Carla Dias", APPROVER, "", **HX)
    assert response.status_code == 422
    assert "Say which area the approver signs off for." in response.text
    response = _add(client, team, "Carla Dias", "owner")
    assert response.status_code == 422 and "Select a valid choice." in response.text
    assert Membership.objects.count() == count


def test_a_duplicate_membership_is_an_inline_error(client, team, lead, member):
    client.force_login(lead)
    count = Event.objects.count()
    response = _add(client, team, "Bruno Costa", **HX)
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="team-members"')
    assert "Bruno Costa is already a member of Payments." in response.text
    assert Event.objects.count() == count


def test_inviting_by_email_adds_the_person_and_mails_them(
    client, team, lead, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://readiness.example.com"
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("teams:member_invite", args=[team.slug]),
            {"name": "Rita Nova", "email": "rita@example.com", "role": VIEWER},
            headers=HX,
        )
    assert response.status_code == 200
    assert "an invitation e-mail is on its way to rita@example.com" in response.text
    person = Person.objects.get(name="Rita Nova")
    assert person.email == "rita@example.com"
    assert Membership.objects.get(team=team, person=person).role == VIEWER
    assert Event.objects.filter(verb=Event.Verb.PERSON_CREATED, subject_id=person.pk).exists()
    (mail,) = mailoutbox
    assert mail.to == ["rita@example.com"]
    assert mail.subject == "You are in the team Payments"
    assert "Lead added you to the team Payments in Readiness, as Viewer." in mail.body
    assert "https://readiness.example.com/accounts/login/?next=%2Fteams%2Fpayments%2F" in mail.body
    (html, _mimetype), *_ = mail.alternatives
    assert (
        'href="https://readiness.example.com/accounts/login/?next=%2Fteams%2Fpayments%2F"' in html
    )


def test_the_invitation_is_in_the_invitees_language(
    client, team, lead, django_user_model, mailoutbox, django_capture_on_commit_callbacks
):
    login = _login(django_user_model, "ana", email="ana@example.com")
    ana = make_person("Ana Souza", user=login)
    services.user_settings_update(user=login, language="pt-br", reminders=True)
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("teams:member_invite", args=[team.slug]),
            # Found by her login's address: no second Ana in the directory.
            {"name": "Ana S.", "email": "ANA@example.com", "role": APPROVER, "area": "QA"},
        )
    assert response.status_code == 302
    assert not Person.objects.filter(name="Ana S.").exists()
    assert Membership.objects.get(team=team, person=ana).area == "QA"
    (mail,) = mailoutbox
    assert mail.to == ["ana@example.com"]
    assert mail.subject == "Você está na equipe Payments"
    assert "Lead adicionou você à equipe Payments no Readiness, como Aprovador para QA." in (
        mail.body
    )
    assert "Entre para ver a equipe e as releases dela" in mail.body
    (html, _mimetype), *_ = mail.alternatives
    assert 'lang="pt-BR"' in html


def test_an_invitation_refuses_a_name_known_with_another_address(client, team, lead):
    person = make_person("Bruno Costa")
    person.email = "bruno@example.com"
    person.save()
    client.force_login(lead)
    count = Event.objects.count()
    response = client.post(
        reverse("teams:member_invite", args=[team.slug]),
        {"name": "Bruno Costa", "email": "bruno@elsewhere.example.com", "role": MEMBER},
        headers=HX,
    )
    assert response.status_code == 422
    assert "Bruno Costa is in the directory with another address (bruno@example.com)" in (
        response.text
    )
    assert 'value="bruno@elsewhere.example.com"' in response.text
    assert Event.objects.count() == count


def test_an_invitation_with_a_bad_address_is_refused(client, team, lead):
    client.force_login(lead)
    response = client.post(
        reverse("teams:member_invite", args=[team.slug]),
        {"name": "Zed", "email": "not-an-address", "role": MEMBER},
    )
    assert response.status_code == 422
    assert "Enter a valid email address." in response.text
    assert not Person.objects.filter(name="Zed").exists()


def test_a_facilitator_changes_a_members_role(client, team, lead, member):
    client.force_login(lead)
    url = reverse("teams:member_edit", args=[team.slug, member.pk])
    opened = client.get(url, headers=HX)
    assert opened.text.lstrip().startswith('<section id="team-members"')
    assert f'action="{url}"' in opened.text
    response = client.post(
        url, {"role": APPROVER, "area": "Payments risk", "version": member.version}, headers=HX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="team-members"')
    assert "Payments risk" in response.text
    member.refresh_from_db()
    assert member.role == APPROVER and member.area == "Payments risk"
    event = Event.objects.filter(verb=Event.Verb.MEMBERSHIP_UPDATED).latest("pk")
    assert event.before["role"] == MEMBER and event.after["role"] == APPROVER
    body = client.get(team.get_absolute_url()).text
    assert "changed the team role of" in body


def test_a_role_change_needs_an_area_for_an_approver(client, team, lead, member):
    client.force_login(lead)
    url = reverse("teams:member_edit", args=[team.slug, member.pk])
    response = client.post(url, {"role": APPROVER, "area": "", "version": member.version})
    assert response.status_code == 422
    assert "Say which area the approver signs off for." in response.text
    member.refresh_from_db()
    assert member.role == MEMBER


def test_a_stale_role_change_answers_409_and_keeps_the_input(client, team, lead, member):
    client.force_login(lead)
    seen = member.version
    services.membership_update(user=None, membership=member, expected_version=seen, role=VIEWER)
    url = reverse("teams:member_edit", args=[team.slug, member.pk])
    response = client.post(url, {"role": APPROVER, "area": "Fraud", "version": seen}, headers=HX)
    assert response.status_code == 409
    assert "Someone else saved this first" in response.text
    assert 'value="Fraud"' in response.text
    member.refresh_from_db()
    assert member.role == VIEWER


def test_the_last_facilitator_is_neither_demoted_nor_removed(client, team, lead):
    membership = lead.person.memberships.get(team=team)
    client.force_login(lead)
    count = Event.objects.count()
    response = client.post(
        reverse("teams:member_edit", args=[team.slug, membership.pk]),
        {"role": MEMBER, "area": "", "version": membership.version},
        headers=HX,
    )
    assert response.status_code == 422
    assert "A team keeps at least one facilitator" in response.text
    response = client.post(
        reverse("teams:member_remove", args=[team.slug, membership.pk]),
        {"version": membership.version},
        headers=HX,
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="team-members"')
    assert "A team keeps at least one facilitator" in response.text
    membership.refresh_from_db()
    assert membership.role == FACILITATOR
    assert Event.objects.count() == count


def test_a_facilitator_removes_a_member(client, team, lead, member):
    client.force_login(lead)
    response = client.post(
        reverse("teams:member_remove", args=[team.slug, member.pk]),
        {"version": member.version},
        headers=HX,
    )
    assert response.status_code == 200
    assert "Bruno Costa is no longer in the team." in response.text
    assert not Membership.objects.filter(pk=member.pk).exists()
    event = Event.objects.get(verb=Event.Verb.MEMBERSHIP_REMOVED, subject_id=member.pk)
    assert event.before["team_id"] == team.pk
    body = client.get(team.get_absolute_url()).text
    assert "removed from a team" in body and "Bruno Costa: Member (Payments)" in body


def test_a_stale_removal_answers_409(client, team, lead, member):
    client.force_login(lead)
    seen = member.version
    services.membership_update(user=None, membership=member, expected_version=seen, role=VIEWER)
    response = client.post(
        reverse("teams:member_remove", args=[team.slug, member.pk]), {"version": seen}
    )
    assert response.status_code == 409
    assert "was changed by someone else" in response.text
    assert Membership.objects.filter(pk=member.pk).exists()


def test_a_facilitator_who_steps_down_loses_the_controls(client, team, lead, django_user_model):
    join_team(_login(django_user_model, "second"), team, FACILITATOR)
    membership = lead.person.memberships.get(team=team)
    client.force_login(lead)
    response = client.post(
        reverse("teams:member_edit", args=[team.slug, membership.pk]),
        {"role": MEMBER, "area": "", "version": membership.version},
        headers=HX,
    )
    assert response.status_code == 200
    assert ">Change<" not in response.text and "Add to the team" not in response.text


def test_a_facilitator_who_leaves_a_private_team_goes_back_to_the_list(
    client, team, lead, django_user_model
):
    join_team(_login(django_user_model, "second"), team, FACILITATOR)
    membership = lead.person.memberships.get(team=team)
    client.force_login(lead)
    url = reverse("teams:member_remove", args=[team.slug, membership.pk])
    response = client.post(url, {"version": membership.version}, headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == reverse("teams:list")


# --- Elsewhere: the person's page, the admin, the release page ----------------------------


def test_a_persons_page_lists_the_teams_the_reader_may_see(client, team, outsider, lead):
    person = lead.person
    internal = make_team("Platform")
    join_team(person, internal, APPROVER, area="Infra")
    client.force_login(outsider)
    body = client.get(person.get_absolute_url()).text
    assert "Platform" in body and "Approver (Infra)" in body
    assert "Payments" not in body
    client.force_login(lead)
    body = client.get(person.get_absolute_url()).text
    assert "Payments" in body and "Facilitator" in body


def test_the_admin_lists_teams_memberships_and_their_events(client, admin_user, member):
    client.force_login(admin_user)
    assert client.get("/admin/readiness/team/").status_code == 200
    assert "Bruno Costa" in client.get("/admin/readiness/membership/").text
    assert client.get(f"/admin/readiness/team/{member.team_id}/change/").status_code == 200
    response = client.get("/admin/readiness/event/", {"verb": Event.Verb.MEMBERSHIP_ADDED})
    assert response.status_code == 200 and "membership" in response.text


def test_a_release_of_the_team_reads_as_before(client, team, lead, member):
    release = make_release("Cards v3", team=team)
    services.membership_remove(user=None, membership=member, expected_version=None)
    client.force_login(lead)
    assert client.get(release.get_absolute_url()).status_code == 200
    assert client.get(f"{release.get_absolute_url()}events.csv").status_code == 200


@pytest.mark.parametrize("count", [2, 30])
def test_a_persons_page_costs_one_query_for_their_teams_at_any_size(
    client, outsider, django_assert_max_num_queries, count
):
    person = make_person("Many Teams")
    for i in range(count):
        join_team(person, make_team(f"Team {count}-{i}", private=bool(i % 2)), MEMBER)
    client.force_login(outsider)
    with django_assert_max_num_queries(10):
        body = client.get(person.get_absolute_url()).text
    assert body.count("· Member") == (count + 1) // 2


def test_a_member_write_tells_the_latest_changes_to_follow(client, team, lead, member):
    client.force_login(lead)
    response = client.post(
        reverse("teams:member_remove", args=[team.slug, member.pk]),
        {"version": member.version},
        headers=HX,
    )
    assert "members-changed" in response.headers["HX-Trigger"]
    history = client.get(team.get_absolute_url(), headers={**HX, "HX-Target": "team-history"})
    assert history.text.lstrip().startswith('<section id="team-history"')
    assert "removed from a team" in history.text
