"""The scheduler's freeze notices: a release whose deploy window a freeze starting within
a day falls over is told once, by e-mail to its facilitator and the `freeze.starting`
webhook event."""

import datetime as dt

import pytest
from django.core.management import call_command

from readiness import freeze_notices, services
from readiness.management.commands import run_scheduler
from readiness.models import Freeze, FreezeNotice, WebhookDelivery
from tests.factories import make_session

NOW = dt.datetime(2026, 3, 27, 8, 0, tzinfo=dt.UTC)  # a Friday morning


@pytest.fixture
def world(facilitator):
    facilitator.email = "fay@example.com"
    facilitator.save()
    services.freeze_create(
        user=None,
        name="Weekend freeze",
        kind=Freeze.Kind.WEEKLY,
        time_zone="Europe/Berlin",
        start_weekday=4,
        start_time=dt.time(18),
        end_weekday=0,
        end_time=dt.time(8),
    )
    services.webhook_create(
        user=None, url="https://hooks.example.com/x", events=["freeze.starting"]
    )
    inside = services.release_create(
        user=None,
        name="Saturday deploy",
        planned_date=dt.date(2026, 3, 28),
        deploy_window_start=dt.datetime(2026, 3, 28, 9, tzinfo=dt.UTC),
        deploy_window_end=dt.datetime(2026, 3, 28, 11, tzinfo=dt.UTC),
    )
    make_session(inside, facilitator=facilitator.person)
    outside = services.release_create(
        user=None,
        name="Tuesday deploy",
        planned_date=dt.date(2026, 3, 31),
        deploy_window_start=dt.datetime(2026, 3, 31, 9, tzinfo=dt.UTC),
        deploy_window_end=dt.datetime(2026, 3, 31, 11, tzinfo=dt.UTC),
    )
    return inside, outside


def test_it_tells_a_release_in_the_freeze_once(world, mailoutbox):
    inside, _outside = world
    (notice,) = freeze_notices.freeze_notices_send(now=NOW)
    assert notice.release == inside and notice.told == ["fay@example.com"]
    assert notice.starts_at == dt.datetime(2026, 3, 27, 17, tzinfo=dt.UTC)
    assert [m.to for m in mailoutbox] == [["fay@example.com"]]
    assert "Weekend freeze" in mailoutbox[0].body
    delivery = WebhookDelivery.objects.filter(event="freeze.starting").get()
    assert delivery.payload["data"]["ends_at"] == "2026-03-30T08:00:00+02:00"
    assert freeze_notices.freeze_notices_send(now=NOW + dt.timedelta(hours=1)) == []
    assert len(mailoutbox) == 1 and FreezeNotice.objects.count() == 1


def test_a_freeze_further_away_tells_nobody_yet(world, mailoutbox):
    assert freeze_notices.freeze_notices_send(now=NOW - dt.timedelta(days=2)) == []
    assert mailoutbox == []


def test_the_command_runs_and_the_scheduler_runs_it(world, capsys):
    call_command("notify_freezes")
    assert "freeze notice" in capsys.readouterr().out
    assert "notify_freezes" in [name for name, _every, _job in run_scheduler.JOBS]
