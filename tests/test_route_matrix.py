"""Every route of the URLconf × every kind of caller, for a GET: who may open what, in
and around a private team.

The table below names every route; a new route without an entry fails the test, so that
nobody adds a door without saying who may use it. Writes are covered per role in
tests/test_session_writes.py and the area tests; here a GET to a write answers 405.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver

from readiness import services
from readiness.models import Condition, Decision, Membership
from readiness.permissions import MANAGERS
from tests.conftest import PASSWORD
from tests.factories import (
    join_team,
    make_action,
    make_decision,
    make_person,
    make_release,
    make_session,
    make_team,
)

# The release in the world below belongs to a private team, so that every door is seen
# from inside the team (its facilitator, a viewer, the session's facilitator and the
# action's owner, both members), from outside it (a login of no team, the facilitator of
# another team's release, another team's facilitator) and from above it (the site's
# managers and the admins).
ROLES = [
    "anonymous",
    "manager",
    "owner",
    "outsider",
    "other_facilitator",
    "other_team_facilitator",
    "team_viewer",
    "facilitator",
    "team_facilitator",
    "admin",
]

# What each kind of route answers a GET from each role, in ROLES order.
LOGIN = 302
NO = 404  # a private team's record does not exist for those outside it
READ = (LOGIN, 200, 200, NO, NO, NO, 200, 200, 200, 200)  # the team and the managers
# The session's facilitator, the team's facilitators, admins.
RUN = (LOGIN, 403, 403, NO, NO, NO, 403, 200, 200, 200)
# The team's facilitators and admins (schedule a session of the team's release).
TEAM = (LOGIN, 403, 403, NO, NO, NO, 403, 403, 200, 200)
# A facilitator of any team, for their own teams, and admins (new release, import...).
ANY_TEAM = (LOGIN, 403, 403, 403, 403, 200, 403, 403, 200, 200)
LOGGED_IN = (LOGIN,) + (200,) * 9  # every login, each seeing what it may
WRITE = (LOGIN,) + (405,) * 9  # POST only
OPEN = (200,) * 10  # no login needed
API_READ = (401, 200, 200, NO, NO, NO, 200, 200, 200, 200)
API_LIST = (401,) + (200,) * 9
API_WRITE = (405,) * 10  # the method is refused before the caller is asked for
ADMINS = (LOGIN,) + (403,) * 8 + (200,)

EXPECTED = {
    "home": (LOGIN,) + (302,) * 9,
    "healthz": OPEN,
    "login": OPEN,
    "logout": WRITE,
    "set_language": (302,) * 10,  # a GET changes nothing and goes back
    "admin": (LOGIN,) + (302,) * 8 + (200,),
    "releases:list": LOGGED_IN,
    "releases:create": ANY_TEAM,
    "releases:export_csv": LOGGED_IN,
    "releases:detail": READ,
    "releases:dossier": READ,
    # The release's facilitators (any of its sessions'), its team's and admins.
    "releases:edit": RUN,
    "releases:deployment_add": RUN,  # its form is fetched when opened; the POST records
    "releases:policy": RUN,  # the sign-off policy, by whoever manages the release
    "releases:minutes_md": READ,
    "releases:minutes_json": READ,
    "releases:events_csv": READ,
    "releases:events_jsonl": READ,
    "sessions:create": TEAM,
    "sessions:detail": READ,
    "sessions:live": READ,
    "sessions:projector": READ,
    "sessions:invite": READ,
    "sessions:row": READ,
    "sessions:edit": RUN,
    "sessions:participant_edit": RUN,
    "sessions:agenda_edit": RUN,
    "sessions:check_edit": RUN,
    "sessions:action_edit": RUN,
    "sessions:decision_ballot": RUN,
    "sessions:evidence_add": RUN,  # its form is fetched when opened; the POST adds
    "sessions:evidence_edit": RUN,
    "sessions:condition_edit": RUN,
    "sessions:checklist_edit": RUN,
    "sessions:checklist_exempt": RUN,
    # The action's owner and its session's facilitators change its status.
    "sessions:action_open": (LOGIN, 403, 200, NO, NO, NO, 403, 200, 200, 200),
    # Names and titles, as every login reads them in the records (a person's page lists
    # only the releases the reader may read).
    "people_search": LOGGED_IN,
    "people:list": LOGGED_IN,
    "people:detail": LOGGED_IN,
    "people:edit": ANY_TEAM,  # facilitators keep the directory
    "teams:list": LOGGED_IN,  # every login reads the teams it may see
    "teams:create": ADMINS,  # new teams are the administrators'
    "teams:detail": READ,  # the private team: its members and the managers
    "teams:edit": TEAM,  # the team's facilitators and admins
    "teams:policy": TEAM,  # the team's default sign-off policy: its facilitators
    "teams:member_edit": TEAM,  # a member's row opened for a change
    "minutes:import": ANY_TEAM,
    "me:home": LOGGED_IN,
    "site_policy": ADMINS,  # the default policy: administrators
    # An e-mailed sign-off link: a forged one is refused to every login.
    "signoff_link": (LOGIN,) + (400,) * 9,
    "me:feed": (404,) * 10,  # a wrong feed token is unknown to everyone
    "settings:index": LOGGED_IN,
    "settings:tokens": LOGGED_IN,
    "webhooks:list": ANY_TEAM,
    # The team's webhook: another team's facilitator does not see it.
    "webhooks:detail": (LOGIN, 403, 403, 403, 403, NO, 403, 403, 200, 200),
    "freezes:list": LOGGED_IN,  # every login reads the freezes it may see
    "freezes:feed": LOGGED_IN,
    "freezes:feed_token": (404,) * 10,  # a wrong feed token is unknown to everyone
    "freezes:edit": TEAM,  # the team's freeze: its facilitators keep it
    "insights:index": LOGGED_IN,
    "actions:export_csv": LOGGED_IN,
    # Single sign-on: no identity provider is configured here, so its two doors are not
    # found (tests/test_sso_views.py and tests/e2e/test_sso.py open them configured); the
    # pages a stopped sign-in ends on need no login.
    "openid_connect_login": (404,) * 10,
    "openid_connect_callback": (404,) * 10,
    "socialaccount_login_cancelled": (401,) * 10,
    "socialaccount_signup": (401,) * 10,
    "account_inactive": (401,) * 10,
    "account_login": (302,) * 10,  # allauth's name for the login page: a redirect to it
    "api:openapi-json": OPEN,
    "api:api-root": (404,) * 10,
    "api:release_list": API_LIST,
    "api:release_minutes": API_READ,
    "api:release_gate": API_READ,
    "api:release_actions": API_READ,
    "api:release_conditions": API_READ,
    "api:release_deployments": API_READ,  # one path: GET lists, POST records
    "api:decision_signoffs": API_READ,  # one path: GET lists, POST signs
    "api:action_detail": API_READ,
    "api:condition_detail": API_READ,
    "api:condition_satisfy": API_WRITE,
    "api:action_update_status": API_WRITE,
    "api:checklist_item_put": API_WRITE,
}
POST_ONLY = {
    "releases:cancel",
    "releases:delete",
    "sessions:start",
    "sessions:close",
    "sessions:save_template",
    "sessions:participant_add",
    "sessions:participant_attendance",
    "sessions:participant_remove",
    "sessions:check_remove",
    "sessions:evidence_remove",
    "sessions:agenda_add",
    "sessions:agenda_delete",
    "sessions:agenda_move",
    "sessions:agenda_discuss",
    "sessions:agenda_discussed",
    "sessions:check_add",
    "sessions:decision_record",
    "sessions:action_add",
    "sessions:action_cancel",
    "sessions:action_status",
    "sessions:condition_satisfy",
    "sessions:review_done",
    "sessions:minutes_send",
    "sessions:evidence_verify",
    "sessions:addendum_add",
    "sessions:checklist_add",
    "minutes:import_confirm",
    "people:merge",
    "me:action_status",
    "me:condition_satisfy",
    "me:review_done",
    "me:signoff",
    "sessions:signoff",
    "settings:feed_regenerate",
    "settings:token_create",
    "settings:token_revoke",
    "webhooks:create",
    "webhooks:delete",
    "freezes:create",
    "freezes:delete",
    "teams:member_add",
    "teams:member_invite",
    "teams:member_remove",
    "releases:override",
    "releases:override_revoke",
}
EXPECTED.update(dict.fromkeys(POST_ONLY, WRITE))


def _routes(resolver=None, prefix="", namespace=None):
    for entry in (resolver or get_resolver()).url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                yield "admin", prefix + route
                continue
            yield from _routes(entry, prefix + route, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + route


def test_every_route_has_an_entry():
    names = {name for name, _route in _routes()}
    assert names - EXPECTED.keys() == set(), "routes without an entry in EXPECTED"
    assert EXPECTED.keys() - names == set(), "entries for routes that no longer exist"


@pytest.fixture
def world(db, django_user_model):
    """A release with one of everything, and a login for each role."""

    def login(username, group=None, **extra):
        user = django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        return user

    users = {
        "manager": login("manager", MANAGERS),
        "owner": login("owner"),
        "outsider": login("outsider"),
        "other_facilitator": login("other"),
        "other_team_facilitator": login("otto"),
        "team_viewer": login("vera"),
        "facilitator": login("fay"),
        "team_facilitator": login("tess"),
        "admin": django_user_model.objects.create_superuser("admin", "a@example.com", "x"),
    }
    payments = make_team("Payments", private=True)
    mobile = make_team("Mobile")
    fay = make_person("Fay Facilitator", user=users["facilitator"])
    owen = make_person("Owen Owner", user=users["owner"])
    owen_in_payments = join_team(owen, payments, Membership.Role.MEMBER)
    join_team(fay, payments, Membership.Role.MEMBER)
    join_team(users["team_viewer"], payments, Membership.Role.VIEWER)
    join_team(users["team_facilitator"], payments)
    join_team(users["other_team_facilitator"], mobile)
    make_session(
        make_release("Elsewhere", team=mobile),
        facilitator=make_person("Oli", user=users["other_facilitator"]),
    )
    session = make_session(make_release("Billing Gateway", team=payments), facilitator=fay)
    participant = services.participant_add(user=None, session=session, person=owen, area="QA")
    item = services.agenda_item_add(user=None, session=session, title="QA")
    check = services.readiness_check_set(user=None, session=session, area="QA", status="green")
    checklist = services.checklist_item_add(user=None, session=session, area="QA", key="e2e")
    action = make_action(session, code="A1", owner=owen)
    evidence = services.evidence_add(user=None, session=session, title="k6", location="docs/k6.md")
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="Run BILL-230", owner=owen)],
    )
    condition = Condition.objects.get(decision=decision)
    webhook = services.webhook_create(
        user=None, url="https://hooks.example.com/x", events=["action.done"], team=payments
    )
    _, token = services.api_token_create(user=users["owner"], name="CI")
    freeze = services.freeze_create(
        user=None,
        name="Weekend",
        kind="weekly",
        time_zone="Europe/Berlin",
        start_weekday=4,
        start_time=dt.time(18),
        end_weekday=0,
        end_time=dt.time(8),
        team=payments,
    )
    ids = {
        "slug": session.release.slug,
        "pk": session.pk,
        "action_id": action.pk,
        "condition_id": condition.pk,
        "decision_id": decision.pk,
        "webhook_id": webhook.pk,
        "token_id": users["owner"].api_tokens.get().pk,
        "token": "not-a-feed-token",
        "kind": "actions",
    }
    by_route = {
        "participant": participant.pk,
        "agenda": item.pk,
        "checks": check.pk,
        "checklist": checklist.pk,
        "actions": action.pk,
        "evidence": evidence.pk,
        "conditions": condition.pk,
    }
    return {
        "users": users,
        "ids": ids,
        "items": by_route,
        "action": action,
        "person": owen,
        "freeze": freeze,
        "team": payments,
        "membership": owen_in_payments,
    }


def _path(route: str, world) -> str:
    ids, items = world["ids"], world["items"]

    def value(match):
        name = match.group(1)
        if name == "pk" and route.startswith("people/"):
            return str(world["person"].pk)
        if name == "pk" and route.startswith("freezes/"):
            return str(world["freeze"].pk)
        if route.startswith("teams/"):
            return str(world["team"].slug if name == "slug" else world["membership"].pk)
        if name == "item":
            area = next((k for k in items if f"/{k}/" in route or f"/{k}s/" in route), "actions")
            return str(items[area])
        return str(ids.get(name, world["action"].pk))

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_what_it_may_and_nothing_else(client, world, role):
    if role != "anonymous":
        client.force_login(world["users"][role])
    wrong = []
    for name, route in _routes():
        path = _path(route, world)
        status = client.get(path).status_code
        expected = EXPECTED[name][ROLES.index(role)]
        if status != expected:
            wrong.append(f"{name} {path}: {status}, expected {expected}")
    assert wrong == [], "\n".join(wrong)
