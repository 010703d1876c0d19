"""E-mail to people: assignments, blocked actions, a GO ready to deploy, minutes, reminders."""

import datetime as dt
import zoneinfo

import pytest
from django.core.management import call_command

from readiness import notifications, services
from readiness.models import Decision, ReminderSent, Session
from tests.factories import make_action, make_decision, make_person, make_session
from tests.helpers import change_status, snapshot

SITE = "https://readiness.example.com"
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def session(facilitator):
    facilitator.person.email = "fay@example.com"
    facilitator.person.save()
    return make_session(facilitator=facilitator.person)


@pytest.fixture
def ana(django_user_model):
    user = django_user_model.objects.create_user("ana", email="ana@example.com")
    return make_person("Ana Souza", user=user)


def speaks(person, language):
    services.user_settings_update(user=person.user, language=language, reminders=True)


def html_of(message):
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def test_the_owner_is_told_of_an_assignment_in_english(
    session, ana, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        action = make_action(session, code="A1", owner=ana, due_date=dt.date(2024, 7, 16))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["ana@example.com"]
    assert mail.subject == f"{session.release}: action A1 is yours"
    assert "You were assigned this action:" in mail.body and "16 Jul 2024" in mail.body
    assert f"{SITE}{session.get_absolute_url()}" in mail.body
    assert f'href="{SITE}{session.get_absolute_url()}"' in html_of(mail)
    assert action.description in html_of(mail)


def test_the_owner_is_told_in_their_language(
    session, ana, mailoutbox, django_capture_on_commit_callbacks
):
    speaks(ana, "pt-br")
    with django_capture_on_commit_callbacks(execute=True):
        make_action(session, code="A1", owner=ana)
    mail = mailoutbox[0]
    assert mail.subject == f"{session.release}: a ação A1 é sua"
    assert "Esta ação foi atribuída a você:" in mail.body
    assert "Abrir a sessão" in html_of(mail) and 'lang="pt-BR"' in html_of(mail)


def test_a_new_due_date_and_a_new_owner_are_told(
    session, ana, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    action = make_action(session, code="A1", owner=ana, due_date=dt.date(2024, 7, 16))
    with django_capture_on_commit_callbacks(execute=True):
        services.action_update(
            user=facilitator,
            action=action,
            expected_version=None,
            description=action.description,
            owner=ana,
            due_date=dt.date(2024, 7, 20),
            kind=action.kind,
        )
    assert [m.to for m in mailoutbox] == [["ana@example.com"]]
    assert "new due date for A1" in mailoutbox[0].subject
    assert "it was 16 Jul 2024" in mailoutbox[0].body and "20 Jul 2024" in mailoutbox[0].body


def test_a_condition_owner_is_told_with_the_deadline_in_the_session_zone(
    session, ana, mailoutbox, django_capture_on_commit_callbacks
):
    deadline = dt.datetime(2024, 7, 16, 9, 0, tzinfo=SAO_PAULO)
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(
            session,
            Decision.Outcome.CONDITIONAL_GO,
            conditions=[services.ConditionSpec(text="Run BILL-230", owner=ana, deadline=deadline)],
        )
    assert [m.to for m in mailoutbox] == [["ana@example.com"]]
    assert "16 Jul 2024, 09:00 BRT" in mailoutbox[0].body


def test_the_facilitator_hears_of_a_blocked_action(
    session, ana, mailoutbox, django_capture_on_commit_callbacks
):
    action = make_action(session, code="A1", owner=ana)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(ana.user, action, "blocked", reason="No VPN access")
    assert [m.to for m in mailoutbox] == [["fay@example.com"]]
    assert "A1 is blocked" in mailoutbox[0].subject
    assert "Ana Souza says this action is blocked: No VPN access" in mailoutbox[0].body


def test_the_facilitator_hears_when_every_condition_is_satisfied(
    session, ana, mailoutbox, django_capture_on_commit_callbacks
):
    decision = make_decision(
        session,
        Decision.Outcome.CONDITIONAL_GO,
        conditions=[services.ConditionSpec(text="One"), services.ConditionSpec(text="Two")],
    )
    first, second = decision.conditions.all()
    with django_capture_on_commit_callbacks(execute=True):
        services.condition_satisfy(user=None, condition=first)
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.condition_satisfy(user=None, condition=second)
    assert [m.to for m in mailoutbox] == [["fay@example.com"]]
    assert "ready to deploy" in mailoutbox[0].body


def test_nothing_is_sent_when_the_change_rolls_back(
    session, ana, mailoutbox, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                make_action(session, code="A1", owner=ana)
                raise RuntimeError
        except RuntimeError:
            pass
    assert mailoutbox == []


# --- Minutes ------------------------------------------------------------------------------


def test_send_minutes_gives_each_participant_the_minutes_and_what_they_owe(
    client, facilitator, session, ana, mailoutbox, django_capture_on_commit_callbacks
):
    speaks(ana, "pt-br")
    bob = make_person("Bob Lima")
    bob.email = "bob@example.com"
    bob.save()
    nobody = make_person("No Address")
    for person in (ana, bob, nobody):
        services.participant_add(user=None, session=session, person=person)
    make_action(session, code="A1", owner=ana, description="Re-run <b>k6</b>")
    url = f"{session.get_absolute_url()}send-minutes"
    client.force_login(facilitator)
    before = snapshot(session)
    assert client.post(url).status_code == 422  # the session is still open
    before.assert_unchanged()
    services.session_close(user=None, session=session, expected_version=None)
    client.force_login(ana.user)
    before = snapshot(session)
    assert client.post(url).status_code == 403
    before.assert_unchanged()
    client.force_login(facilitator)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {"ana@example.com", "bob@example.com"}
    to_ana, to_bob = by_address["ana@example.com"], by_address["bob@example.com"]
    assert to_ana.subject.startswith("Ata: ")
    assert "O que ficou com você nesta sessão" in to_ana.body and "A1: Re-run" in to_ana.body
    assert "You owe nothing from this session." in to_bob.body
    # The Markdown minutes, readable in both parts; raw HTML stays text.
    assert "# " in to_bob.body and "<h1>" in html_of(to_bob)
    assert "<b>k6</b>" not in html_of(to_ana) and "&lt;b&gt;k6&lt;/b&gt;" in html_of(to_ana)
    sent = Session.objects.get(pk=session.pk).events.get(verb="session.minutes_sent")
    assert not sent.is_addendum  # sending changes nothing in the minutes


def test_send_minutes_answers_405_404_and_login(client, facilitator, session):
    url = f"{session.get_absolute_url()}send-minutes"
    assert client.post(url).status_code == 302
    client.force_login(facilitator)
    assert client.get(url).status_code == 405
    missing = f"/releases/{session.release.slug}/sessions/99999/send-minutes"
    before = snapshot(session)
    assert client.post(missing).status_code == 404
    before.assert_unchanged()


# --- Reminders ----------------------------------------------------------------------------


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(7, 0), tzinfo=SAO_PAULO)


def test_reminders_go_once_a_day_and_again_the_next_day(
    session, ana, mailoutbox, django_capture_on_commit_callbacks
):
    make_action(session, code="A1", owner=ana, due_date=dt.date(2024, 7, 15))
    make_action(session, code="A2", owner=ana, due_date=dt.date(2024, 7, 18))
    make_action(session, code="A3", owner=ana, due_date=dt.date(2024, 7, 30))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = notifications.reminders_send(now=at(dt.date(2024, 7, 16)))
        again = notifications.reminders_send(now=at(dt.date(2024, 7, 16)))
    assert len(first) == 1 and again == []
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "A1:" in body and "A2:" in body and "A3:" not in body
    assert body.index("Overdue") < body.index("A1:") < body.index("Due soon") < body.index("A2:")
    with django_capture_on_commit_callbacks(execute=True):
        next_day = notifications.reminders_send(now=at(dt.date(2024, 7, 17)))
    assert len(next_day) == 1 and len(mailoutbox) == 2
    assert ReminderSent.objects.filter(person=ana).count() == 2


def test_reminders_respect_the_opt_out_and_the_language(
    session, ana, mailoutbox, django_capture_on_commit_callbacks
):
    make_action(session, code="A1", owner=ana, due_date=dt.date(2024, 7, 16))
    mailoutbox.clear()
    services.user_settings_update(user=ana.user, language="pt-br", reminders=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.reminders_send(now=at(dt.date(2024, 7, 16))) == []
    services.user_settings_update(user=ana.user, language="pt-br", reminders=True)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.reminders_send(now=at(dt.date(2024, 7, 16)))
    assert mailoutbox[0].subject == "Readiness: 1 item vencendo ou atrasado"
    assert "Olá, Ana Souza," in mailoutbox[0].body


def test_the_command_sends_the_days_reminders(
    session, ana, mailoutbox, capsys, django_capture_on_commit_callbacks
):
    make_action(session, code="A1", owner=ana, due_date=dt.date(2000, 1, 1))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")
        call_command("send_reminders")
    assert len(mailoutbox) == 1
    assert "1 reminder(s) queued." in capsys.readouterr().out


def test_the_language_chosen_on_the_settings_page_is_the_e_mails_too(
    client, session, ana, mailoutbox, django_capture_on_commit_callbacks
):
    make_action(session, code="A1", owner=ana, due_date=dt.date(2024, 7, 16))
    mailoutbox.clear()
    client.force_login(ana.user)
    response = client.post("/settings/", {"language": "pt-br", "reminders": "on"})
    assert response.status_code == 302
    assert "Meu trabalho" in client.get("/releases/", headers={"Accept-Language": "en"}).text
    with django_capture_on_commit_callbacks(execute=True):
        notifications.reminders_send(now=at(dt.date(2024, 7, 16)))
    assert mailoutbox[0].subject == "Readiness: 1 item vencendo ou atrasado"
