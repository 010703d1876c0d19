"""The demo loader behind `make run`."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from readiness.demo import load_demo
from readiness.models import Action, Decision, Event, Evidence, Participant, Person, Release

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in [Release, Person, Participant, Decision, Action, Evidence, Event]
    } | {"users": get_user_model().objects.count()}


def test_it_loads_the_sample_minutes():
    release = load_demo().release
    session = release.sessions.get()
    assert release.slug == "2024-07-15-billing-gateway"
    assert session.facilitator.name == "Marina Lopes"
    assert session.participants.count() == 6
    assert session.participants.filter(role="observer").count() == 2
    assert session.agenda_items.count() == 5
    decision = session.decisions.get(is_current=True)
    assert decision.outcome == "conditional_go"
    assert [c.reference for c in decision.conditions.all()] == ["BILL-230", ""]
    assert list(session.actions.filter(kind="action").values_list("code", "owner__name")) == [
        ("A1", "Ana Souza"),
        ("A2", "Camila Duarte"),
        ("A3", "Lucas Azevedo"),
        ("A4", "Marina Lopes"),
    ]
    assert session.actions.filter(kind="monitoring", owner__name="Rafaela Moura").count() == 1
    assert session.evidence.count() == 5


def test_it_is_idempotent(settings):
    settings.DEBUG = True
    first = load_demo()
    before = counts()
    second = load_demo()
    assert first.created and not second.created
    assert counts() == before


def test_it_creates_demo_logins_only_in_debug(settings):
    settings.DEBUG = False
    assert load_demo().logins == []
    assert not get_user_model().objects.exists()
    settings.DEBUG = True
    logins = load_demo().logins
    assert {login.role for login in logins} == {"facilitator", "owner", "manager"}
    marina = get_user_model().objects.get(username="marina")
    assert marina.person.name == "Marina Lopes"
    # The facilitator runs the Billing team's meetings, the team the sample release is in.
    assert marina.person.memberships.get().role == "facilitator"
    assert marina.person.memberships.get().team.slug == "billing"
    assert load_demo().release.team.slug == "billing"
    assert marina.check_password("readiness-demo")


def test_the_command_prints_the_logins(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "Loaded the demo release" in out
    assert "already there; unchanged" in out
    assert "username marina" in out and "password readiness-demo" in out


def test_a_demo_login_can_open_the_sample_release(client, settings):
    settings.DEBUG = True
    load_demo()
    # Through the login page itself, as a newcomer would (and as the login throttle sees it).
    response = client.post("/accounts/login/", {"username": "ana", "password": "readiness-demo"})
    assert response.status_code == 302
    page = client.get("/releases/2024-07-15-billing-gateway/").text
    assert "Ana Souza irá reexecutar o script k6 e anexar resultados no relatório QA" in page
