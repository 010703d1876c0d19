"""The loose index scan that lists the areas, the time zones and the people the history
filters on."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness.models import Participant, Session, local_today_by_zone
from readiness.reports.history import known_areas
from tests.factories import make_person
from tests.history_data import release_with_session


def _meetings(db):
    ana, bia, caio, davi = (make_person(name) for name in ("Ana", "Bia", "Caio", "Davi"))
    first = release_with_session(
        "Gateway", dt.date(2024, 7, 15), members=((ana, "QA"), (bia, "Security"))
    )
    release_with_session("Ledger", dt.date(2024, 8, 1), members=((caio, "QA"), (davi, "Finance")))
    # An observer's area and an empty area are not areas voting members spoke for.
    Participant.objects.filter(session=first, person=bia).update(role=Participant.Role.OBSERVER)
    Participant.objects.filter(person=davi).update(area="")
    Session.objects.filter(pk=first.pk).update(time_zone="Europe/Lisbon")


def test_the_areas_are_those_voting_members_spoke_for_each_once_in_order(db):
    _meetings(db)
    with CaptureQueriesContext(connection) as queries:
        assert known_areas() == ["QA"]
    assert len(queries) == 1
    Participant.objects.filter(area="").update(area="Finance")
    assert known_areas() == ["Finance", "QA"]


def test_today_is_read_for_each_zone_sessions_were_held_in(db):
    _meetings(db)
    with CaptureQueriesContext(connection) as queries:
        zones = local_today_by_zone()
    assert len(queries) == 1
    assert sorted(zones) == ["America/Sao_Paulo", "Europe/Lisbon"]


def test_no_sessions_means_no_zones_and_no_areas(db):
    assert local_today_by_zone() == {}
    assert known_areas() == []


def test_the_person_filters_list_who_facilitated_and_who_owns_actions_by_name(db):
    from readiness.models import Action
    from readiness.reports.history import HistoryFilterForm, people_named_in
    from tests.factories import make_action, make_session

    zoe, ana, bia = (make_person(name) for name in ("Zoe", "Ana", "Bia"))
    make_person("Nobody")
    first = make_session(facilitator=zoe)
    make_session(facilitator=ana)
    make_session(facilitator=zoe)
    make_action(first, owner=bia)
    make_action(first, owner=zoe)
    with CaptureQueriesContext(connection) as queries:
        facilitators = people_named_in(Session, "facilitator")
        owners = people_named_in(Action, "owner")
    assert len(queries) == 2
    assert facilitators == [(ana.pk, "Ana"), (zoe.pk, "Zoe")]
    assert owners == [(bia.pk, "Bia"), (zoe.pk, "Zoe")]

    form = HistoryFilterForm({"facilitator": str(zoe.pk), "owner": str(bia.pk)})
    with CaptureQueriesContext(connection) as queries:
        assert form.is_valid(), form.errors
        drawn = str(form["facilitator"]) + str(form["owner"])
    # Each list is read once, for its check and its options alike.
    assert len([q for q in queries if "readiness_person" in q["sql"]]) == 2
    assert form.cleaned_data["facilitator"] == zoe.pk
    assert f'<option value="{zoe.pk}" selected>Zoe</option>' in drawn
    assert "Nobody" not in drawn
    refused = HistoryFilterForm({"facilitator": str(bia.pk)})
    assert not refused.is_valid() and "facilitator" in refused.errors
