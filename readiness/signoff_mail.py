"""The e-mails of sign-off (asked, given, in force) and the signed links approvers follow.

A link names one approver and one decision, expires (`SIGNOFF_LINK_MAX_AGE`), signs once
(its nonce is kept with the sign-off) and still needs the approver's own login.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from readiness import notifications
from readiness.models import Decision, Participant, SignOff
from readiness.notifications import Mail

SALT = "readiness.signoff-link"


def link_token(*, decision_id: int, participant_id: int) -> str:
    return signing.dumps(
        {"d": decision_id, "p": participant_id, "n": secrets.token_urlsafe(16)}, salt=SALT
    )


def link_read(token: str) -> dict[str, Any]:
    """The link's decision, approver and nonce; `signing.BadSignature` (or its subclass
    `SignatureExpired`) when it was altered or is too old."""
    data = signing.loads(token, salt=SALT, max_age=settings.SIGNOFF_LINK_MAX_AGE)
    if not isinstance(data, dict) or not {"d", "p", "n"} <= data.keys():
        raise signing.BadSignature("incomplete")
    return data


def notify_requested(*, decision_id: int, participant_id: int) -> None:
    notifications.notify(
        "signoff_requested", decision_id=decision_id, participant_id=participant_id
    )


def notify_recorded(*, signoff_id: int) -> None:
    notifications.notify("signoff_recorded", signoff_id=signoff_id)


def notify_in_force(*, decision_id: int) -> None:
    notifications.notify("decision_in_force", decision_id=decision_id)


def _mail(to: tuple[str, str], decision: Decision, subject, intro, url: str) -> Mail:
    address, language = to
    session = decision.session

    def content() -> dict[str, Any]:
        return {
            "subject": subject(),
            "intro": intro(),
            "release": str(session.release),
            "session": session.title,
            "outcome": decision.get_outcome_display(),
            "url": url,
            "me_url": notifications.absolute(reverse("me:home")),
            "settings_url": notifications.absolute(reverse("settings:index")),
        }

    return Mail(address, language, "signoff", content)


def _decision(decision_id: int) -> Decision | None:
    return (
        Decision.objects.select_related("session__release", "session__facilitator__user")
        .filter(pk=decision_id)
        .first()
    )


def requested(*, decision_id: int, participant_id: int) -> list[Mail]:
    decision = _decision(decision_id)
    participant = (
        Participant.objects.select_related("person__user").filter(pk=participant_id).first()
    )
    if decision is None or participant is None or not decision.is_pending_signoff:
        return []
    if participant.person.user_id is None:
        return []  # the link needs the approver's own login: the facilitator signs as proxy
    release = decision.session.release
    to = notifications._to_person(participant.person, fallback=release.language)
    if not to:
        return []
    token = link_token(decision_id=decision.pk, participant_id=participant.pk)
    url = notifications.absolute(reverse("signoff_link", args=[token]))
    return [
        _mail(
            to,
            decision,
            lambda: _("%(release)s: your sign-off is needed") % {"release": release},
            lambda: (
                _("The meeting decided %(outcome)s; it is in force once its approvers sign.")
                % {"outcome": decision.get_outcome_display()}
            ),
            url,
        )
    ]


def recorded(*, signoff_id: int) -> list[Mail]:
    signoff = (
        SignOff.objects.select_related(
            "participant__person", "decision__session__release", "decision__session__facilitator"
        )
        .filter(pk=signoff_id)
        .first()
    )
    if signoff is None:
        return []
    decision = signoff.decision
    session = decision.session
    url = notifications.absolute(session.get_absolute_url())
    return [
        _mail(
            to,
            decision,
            lambda: (
                _("%(release)s: %(name)s signed off")
                % {
                    "release": session.release,
                    "name": signoff.participant.person.name,
                }
            ),
            lambda: (
                _("%(name)s (%(area)s): %(verdict)s. %(comment)s")
                % {
                    "name": signoff.participant.person.name,
                    "area": signoff.area,
                    "verdict": signoff.get_verdict_display(),
                    "comment": signoff.comment,
                }
            ),
            url,
        )
        for to in notifications._to_facilitators(session)
    ]


def in_force(*, decision_id: int) -> list[Mail]:
    decision = _decision(decision_id)
    if decision is None:
        return []
    session = decision.session
    url = notifications.absolute(session.get_absolute_url())
    return [
        _mail(
            to,
            decision,
            lambda: _("%(release)s: the decision is in force") % {"release": session.release},
            lambda: (
                _("Every sign-off the policy asks for is in: %(outcome)s is in force.")
                % {"outcome": decision.get_outcome_display()}
            ),
            url,
        )
        for to in notifications._to_facilitators(session)
    ]
