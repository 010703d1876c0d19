"""The production task backend: e-mails and webhooks wait in the database for the worker."""

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from readiness import services
from readiness.models import Decision, WebhookDelivery
from tests.factories import make_decision, make_person, make_release, make_session
from tests.test_webhooks import receiver  # noqa: F401 - the fixture


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_sends_a_queued_e_mail_and_webhook(
    database_tasks,
    receiver,  # noqa: F811
):
    """Real commits (the worker closes its connections between tasks, as in production)."""
    session = make_session(make_release("Billing Gateway"))
    services.webhook_create(user=None, url=receiver.url, events=["decision.recorded"])
    owner = make_person("Ana Souza")
    services.person_get_or_create(user=None, name="Ana Souza", email="ana@example.com")
    services.action_create(
        user=None, session=session, code="A1", description="Rerun k6", owner=owner
    )
    make_decision(session, Decision.Outcome.GO)
    # Queued, not sent: the request that made the change waited on neither.
    assert mail.outbox == [] and receiver.received == []
    assert DBTaskResult.objects.count() == 2

    _work()

    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert "A1" in mail.outbox[0].subject or "A1" in mail.outbox[0].body
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().delivered_at is not None
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_the_settings_name_the_two_backends(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    from readiness import settings as readiness_settings

    monkeypatch.setenv("TASKS_BACKEND", "database")
    try:
        assert importlib.reload(readiness_settings).TASKS["default"]["BACKEND"] == (
            "django_tasks_db.DatabaseBackend"
        )
        monkeypatch.setenv("TASKS_BACKEND", "celery-please")
        with pytest.raises(ImproperlyConfigured, match="TASKS_BACKEND"):
            importlib.reload(readiness_settings)
    finally:
        monkeypatch.delenv("TASKS_BACKEND")
        importlib.reload(readiness_settings)


def test_the_scheduler_runs_every_job_once_per_round_it_is_due(db, monkeypatch):
    from readiness.management.commands import run_scheduler

    ran = []
    monkeypatch.setattr(
        run_scheduler,
        "JOBS",
        [
            ("often", 0, lambda: ran.append("often")),
            ("daily", 24 * 3600, lambda: ran.append("daily")),
            ("broken", 0, lambda: 1 / 0),
        ],
    )
    call_command("run_scheduler", "--rounds", "3", "--tick", "0")
    assert ran == ["often", "daily", "often", "often"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("backend", ["immediate", "database"])
def test_the_scheduler_runs_the_real_commands(settings, capsys, backend):
    settings.TASKS = {"default": {"BACKEND": settings.TASKS_BACKENDS[backend]}}
    call_command("run_scheduler", "--rounds", "1", "--tick", "0")
    out = capsys.readouterr().out
    assert "0 attempt(s): 0 delivered, 0 failed." in out
    assert "0 reminder(s) queued." in out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_scheduler_prunes_task_results_older_than_two_weeks(database_tasks, capsys):
    import datetime as dt

    from django.utils import timezone

    from readiness import notifications

    for _ in range(2):
        notifications.send_notification.enqueue("minutes", {"session_id": 0})
    _work()
    old, recent = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - dt.timedelta(days=15)
    )
    call_command("run_scheduler", "--rounds", "1", "--tick", "0")
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [recent.pk]
