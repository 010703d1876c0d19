"""E-mail to people: assignments, blocked actions, a GO whose conditions are all met, the
minutes of a closed session, daily reminders, and an expired condition.

Services call `notify()` inside their transaction; the e-mail is built and sent by a Django
Task once the transaction has committed, so no request waits on the mail server and a
rolled-back change sends nothing. Every message is plain text with an HTML alternative, in
the recipient's language (their settings, else the release's), with absolute links.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from markdown_it import MarkdownIt

from readiness import bounds, owed, timefmt
from readiness.models import (
    Action,
    Condition,
    Decision,
    Deployment,
    Membership,
    Person,
    Release,
    ReminderSent,
    Session,
    UserSettings,
)
from readiness.permissions import releases_for_person

logger = logging.getLogger(__name__)

# Raw HTML in the minutes is shown as text, never as markup.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class Mail:
    """One message to one address; `content` runs in the recipient's language."""

    to: str
    language: str
    template: str
    content: Callable[[], dict[str, Any]]


# --- Who, in which language ---------------------------------------------------------------


def absolute(path: str) -> str:
    """A link back to the app; SITE_URL makes it absolute (set it in production)."""
    return f"{settings.SITE_URL}{path}"


def _language_code(value: str) -> str:
    """Release languages are `pt-br`/`en`, like settings.LANGUAGES."""
    codes = {code for code, _label in settings.LANGUAGES}
    return value if value in codes else settings.LANGUAGE_CODE


def _user_language(user, fallback: str) -> str:
    if user is not None:
        found = UserSettings.objects.filter(user=user).values_list("language", flat=True).first()
        if found:
            return _language_code(found)
    return _language_code(fallback)


def person_address(person: Person | None) -> str:
    if person is None:
        return ""
    return person.email or (person.user.email if person.user_id else "")


def _to_person(person: Person | None, *, fallback: str) -> tuple[str, str] | None:
    address = person_address(person)
    if not address:
        return None
    return address, _user_language(person.user if person.user_id else None, fallback)


def _to_facilitators(session: Session) -> list[tuple[str, str]]:
    """The session's facilitator; failing an address for them, the facilitators of the
    release's team."""
    fallback = session.release.language
    found = _to_person(session.facilitator, fallback=fallback)
    if found:
        return [found]
    return _team_facilitators(session.release)


def _team_facilitators(release: Release) -> list[tuple[str, str]]:
    """The addresses of the release's team's facilitators (active logins or none)."""
    memberships = Membership.objects.filter(
        team_id=release.team_id, role=Membership.Role.FACILITATOR
    ).select_related("person__user")
    found = set()
    for membership in memberships:
        person = membership.person
        if person.user_id is not None and not person.user.is_active:
            continue
        address = _to_person(person, fallback=release.language)
        if address:
            found.add(address)
    return sorted(found)


def release_facilitators(release: Release) -> list[tuple[str, str]]:
    """The facilitator of the release's latest session (the one a history row names);
    failing an address, or a session, the facilitators of its team."""
    session = (
        Session.objects.filter(release=release)
        .select_related("release", "facilitator__user")
        .order_by("-scheduled_at", "-pk")
        .first()
    )
    if session is not None:
        return _to_facilitators(session)
    return _team_facilitators(release)


def facilitator_addresses(condition: Condition) -> list[str]:
    return [address for address, _lang in _to_facilitators(condition.decision.session)]


# --- Queueing and sending -----------------------------------------------------------------


def notify(kind: str, **ids: Any) -> None:
    """Queue the `kind` e-mail for after the commit. Call it inside the service's transaction."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown notification {kind!r}")
    transaction.on_commit(partial(_enqueue, kind, ids))


def _enqueue(kind: str, ids: dict[str, Any]) -> None:
    try:
        send_notification.enqueue(kind, ids)
    except Exception:
        logger.exception("notification %s %s could not be enqueued", kind, ids)


@task
def send_notification(kind: str, ids: dict[str, Any]) -> int:
    return notification_send(kind=kind, **ids)


def notification_send(*, kind: str, **ids: Any) -> int:
    """Build and send the e-mails of one notification; how many left."""
    return sum(mail_send(mail) for mail in BUILDERS[kind](**ids))


def mail_send(mail: Mail) -> bool:
    with translation.override(mail.language):
        context = mail.content()
        subject = " ".join(str(context["subject"]).split())
        text = render_to_string(f"readiness/email/{mail.template}.txt", context)
        html = render_to_string(f"readiness/email/{mail.template}.html", context)
    message = EmailMultiAlternatives(subject, text, None, [mail.to])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:
        logger.exception("the %s e-mail to %s could not be sent", mail.template, mail.to)
        return False
    return True


# --- What each e-mail says ----------------------------------------------------------------


def due_label(item: owed.OwedItem) -> str:
    """The due date in the session's time zone; a condition's deadline with its time."""
    if item.due_at is not None:
        return timefmt.moment_text(item.due_at, item.session.tzinfo)
    if item.due is not None:
        return timefmt.day_text(item.due)
    return _("no date")


def _item_context(item: owed.OwedItem) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "title": item.title,
        "release": str(item.release),
        "session": item.session.title,
        "due": due_label(item),
        "url": absolute(item.session.get_absolute_url()),
    }


def _notice(
    *, to: tuple[str, str], subject: Callable[[], str], intro: Callable[[], str], item
) -> Mail:
    address, language = to

    def content() -> dict[str, Any]:
        return {
            "subject": subject(),
            "intro": intro(),
            "item": _item_context(item),
            "me_url": absolute(reverse("me:home")),
            "settings_url": absolute(reverse("settings:index")),
        }

    return Mail(address, language, "notice", content)


def _action(action_id: int) -> Action | None:
    return (
        Action.objects.select_related("owner__user", "session__release", "session__facilitator")
        .filter(pk=action_id)
        .first()
    )


def _action_item(action: Action) -> owed.OwedItem:
    return owed.OwedItem(owed.ACTION, action, action.session, action.due_date)


def _owner_notice(
    action_id: int, *, subject: Callable[[Action], str], intro: Callable[[], str]
) -> list[Mail]:
    """A notice to the action's owner, while the action is open (none after)."""
    action = _action(action_id)
    to = action and _to_person(action.owner, fallback=action.session.release.language)
    if not to or not action.is_open:
        return []
    return [
        _notice(to=to, item=_action_item(action), subject=lambda: subject(action), intro=intro)
    ]


def action_assigned(*, action_id: int) -> list[Mail]:
    return _owner_notice(
        action_id,
        subject=lambda action: (
            _("%(release)s: action %(code)s is yours")
            % {"release": action.session.release, "code": action.code}
        ),
        intro=lambda: _("You were assigned this action:"),
    )


def action_due_changed(*, action_id: int, old_due: str = "") -> list[Mail]:
    return _owner_notice(
        action_id,
        subject=lambda action: (
            _("%(release)s: new due date for %(code)s")
            % {"release": action.session.release, "code": action.code}
        ),
        intro=lambda: (
            _("The due date of your action changed (it was %(old)s):")
            % {
                "old": timefmt.day_text(dt.date.fromisoformat(old_due))
                if old_due
                else _("no date")
            }
        ),
    )


def action_blocked(*, action_id: int) -> list[Mail]:
    action = _action(action_id)
    if action is None or action.status != Action.Status.BLOCKED:
        return []
    return [
        _notice(
            to=to,
            item=_action_item(action),
            subject=lambda: (
                _("%(release)s: action %(code)s is blocked")
                % {"release": action.session.release, "code": action.code}
            ),
            intro=lambda: (
                _("%(owner)s says this action is blocked: %(reason)s")
                % {"owner": action.owner.name, "reason": action.status_reason}
            ),
        )
        for to in _to_facilitators(action.session)
    ]


def condition_assigned(*, condition_id: int) -> list[Mail]:
    condition = (
        Condition.objects.select_related("owner__user", "decision__session__release")
        .filter(pk=condition_id)
        .first()
    )
    if condition is None or condition.is_satisfied:
        return []
    session = condition.decision.session
    to = _to_person(condition.owner, fallback=session.release.language)
    if not to:
        return []
    return [
        _notice(
            to=to,
            item=owed._condition_item(condition),
            subject=lambda: (
                _("%(release)s: a condition of the GO is yours") % {"release": session.release}
            ),
            intro=lambda: _("The GO depends on this condition, and you own it:"),
        )
    ]


def conditions_satisfied(*, decision_id: int) -> list[Mail]:
    decision = (
        Decision.objects.select_related("session__release", "session__facilitator__user")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        return []
    session = decision.session
    item = owed.OwedItem(owed.REVIEW, decision, session, None)
    return [
        _notice(
            to=to,
            item=item,
            subject=lambda: (
                _("%(release)s: every condition of the GO is satisfied")
                % {"release": session.release}
            ),
            intro=lambda: _(
                "Every condition of the GO with conditions is satisfied: "
                "the release is ready to deploy."
            ),
        )
        for to in _to_facilitators(session)
    ]


def minutes_html(markdown: str) -> SafeString:
    """The Markdown minutes as HTML; raw HTML in them comes out escaped, as text."""
    return mark_safe(_MARKDOWN.render(markdown))  # noqa: S308 - html is off in the renderer


def minutes(*, session_id: int) -> list[Mail]:
    from readiness.minutes.exporter import release_as_markdown

    session = (
        Session.objects.select_related("release")
        .prefetch_related("participants__person__user")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        return []
    release = session.release
    markdown = release_as_markdown(release)
    rendered = minutes_html(markdown)
    actions = Action.objects.filter(session=session).select_related("owner")
    conditions = Condition.objects.filter(
        decision__session=session, decision__is_current=True
    ).select_related("owner", "decision__session")
    mails = []
    for participant in session.participants.all():
        person = participant.person
        to = _to_person(person, fallback=release.language)
        if not to:
            continue
        owes = [
            owed.OwedItem(owed.ACTION, a, session, a.due_date)
            for a in actions
            if a.owner_id == person.pk and a.is_open
        ] + [
            owed._condition_item(c)
            for c in conditions
            if c.owner_id == person.pk and not c.is_satisfied
        ]

        def content(owes=owes, name=person.name) -> dict[str, Any]:
            return {
                "subject": _("Minutes: %(release)s, %(session)s")
                % {"release": release, "session": session.title},
                "name": name,
                "owes": [_item_context(i) for i in owes],
                "minutes_md": markdown,
                "minutes_html": rendered,
                "minutes_language": release.language,
                "session_url": absolute(session.get_absolute_url()),
                "me_url": absolute(reverse("me:home")),
            }

        mails.append(Mail(to[0], to[1], "minutes", content))
    return mails


def reminder(*, person_id: int, now: str) -> list[Mail]:
    """What is overdue or due within two days, as of `now` (when the run was made)."""
    person = Person.objects.select_related("user").filter(pk=person_id).first()
    if person is None:
        return []
    when = dt.datetime.fromisoformat(now)
    to = _to_person(person, fallback=settings.LANGUAGE_CODE)
    items = owed.due_soon(owed.owed_items(person, releases_for_person(person)), when)
    if not to or not items:
        return []

    def content() -> dict[str, Any]:
        return {
            "subject": ngettext(
                "Readiness: %(count)s item due or overdue",
                "Readiness: %(count)s items due or overdue",
                len(items),
            )
            % {"count": len(items)},
            "name": person.name,
            "overdue": [_item_context(i) for i in items if i.is_overdue(when)],
            "soon": [_item_context(i) for i in items if not i.is_overdue(when)],
            "me_url": absolute(reverse("me:home")),
            "settings_url": absolute(reverse("settings:index")),
        }

    return [Mail(to[0], to[1], "reminder", content)]


def deployed_against_gate(*, deployment_id: int) -> list[Mail]:
    """The release went to production while its gate said not ready."""
    deployment = Deployment.objects.select_related("release").filter(pk=deployment_id).first()
    if deployment is None:
        return []
    release = deployment.release
    blockers = "; ".join(b.get("text", "") for b in deployment.gate.get("blocking", []))

    def content() -> dict[str, Any]:
        return {
            "subject": _("%(release)s was deployed against the gate") % {"release": release},
            "intro": _(
                "This deployment went to production while the gate said not ready (%(why)s):"
            )
            % {"why": blockers or _("no decision")},
            "item": {
                "kind": "deployment",
                "title": f"{deployment} · {timefmt.moment_text(deployment.started_at, None)}",
                "release": str(release),
                "session": "",
                "pipeline": deployment.url,
                "due": "",
                "url": absolute(release.get_absolute_url()),
            },
            "me_url": absolute(reverse("me:home")),
            "settings_url": absolute(reverse("settings:index")),
        }

    recipients = release_facilitators(release)
    return [Mail(to, language, "notice", content) for to, language in recipients]


BUILDERS: dict[str, Callable[..., list[Mail]]] = {
    "deployed_against_gate": deployed_against_gate,
    "action_assigned": action_assigned,
    "action_due_changed": action_due_changed,
    "action_blocked": action_blocked,
    "condition_assigned": condition_assigned,
    "conditions_satisfied": conditions_satisfied,
    "minutes": minutes,
    "reminder": reminder,
}


def _signoff_builder(name: str) -> Callable[..., list[Mail]]:
    def build(**ids: Any) -> list[Mail]:
        from readiness import signoff_mail

        return getattr(signoff_mail, name)(**ids)

    return build


BUILDERS |= {
    "signoff_requested": _signoff_builder("requested"),
    "signoff_recorded": _signoff_builder("recorded"),
    "decision_in_force": _signoff_builder("in_force"),
}


def _team_invitation(**ids: Any) -> list[Mail]:
    from readiness import team_mail

    return team_mail.invitation(**ids)


BUILDERS["team_invitation"] = _team_invitation


# --- Daily reminders ----------------------------------------------------------------------


def reminders_send(*, now: dt.datetime | None = None) -> list[ReminderSent]:
    """One reminder per owner per day, listing what is overdue or due within two days.

    The day's row is written before its e-mail is queued, and the row is unique per person
    and day: running again the same day sends nothing new, the next day sends again. People
    who turned reminders off, or have no address, get none.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    # Anyone with something dated; owed.due_soon() then keeps what is due in two days.
    candidates = (
        Person.objects.filter(
            Q(actions__status__in=Action.OPEN_STATUSES, actions__due_date__isnull=False)
            | Q(
                conditions__satisfied_at__isnull=True,
                conditions__decision__is_current=True,
                conditions__deadline__isnull=False,
            )
            | Q(
                facilitated_sessions__decisions__is_current=True,
                facilitated_sessions__decisions__review_on__isnull=False,
                facilitated_sessions__decisions__review_done_at__isnull=True,
            )
        )
        .exclude(user__readiness_settings__reminders=False)
        .exclude(reminders__day=day)
        .select_related("user")
        .distinct()
    )
    sent = []
    for person in candidates:
        if not person_address(person):
            continue
        items = owed.due_soon(owed.owed_items(person, releases_for_person(person)), now)
        if not items:
            continue
        try:
            with transaction.atomic():
                row = ReminderSent.objects.create(person=person, day=day, items=len(items))
        except IntegrityError:
            continue  # Another run got there first.
        sent.append(row)
        notify("reminder", person_id=person.pk, now=now.isoformat())
    return sent


# --- Expired conditions -------------------------------------------------------------------


def expired_condition_tell(condition: Condition) -> bool:
    """Send the e-mail; False when there is nobody to send it to or sending failed."""
    recipients = facilitator_addresses(condition)
    release = condition.decision.session.release
    if not recipients:
        logger.warning("expired condition %s: no facilitator address to tell", condition.pk)
        return False
    subject = _("%(release)s: a condition of the GO has expired") % {"release": release}
    subject = bounds.clean_line(subject)
    lines = [
        _("The deadline of this condition passed before it was satisfied:"),
        "",
        condition.text,
    ]
    if condition.reference:
        lines.append(_("Reference: %(reference)s") % {"reference": condition.reference})
    if condition.owner:
        lines.append(_("Owner: %(owner)s") % {"owner": condition.owner.name})
    if condition.deadline:
        deadline = timefmt.moment_text(condition.deadline, condition.decision.session.tzinfo)
        lines.append(_("Deadline: %(deadline)s") % {"deadline": deadline})
    lines += ["", _("The release's gate answers not ready until it is satisfied.")]
    if settings.SITE_URL:
        lines.append(f"{settings.SITE_URL}{release.get_absolute_url()}")
    try:
        send_mail(subject, "\n".join(lines), None, recipients)
    except Exception:
        logger.exception("expired condition %s: the e-mail could not be sent", condition.pk)
        return False
    return True
