"""The e-mail that says a release's gate was overridden (break-glass): to the facilitators
(the release's latest session's, or the group) and the managers group, each in their
language. Only people with an address are told, and the Event names them."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext as _

from readiness import notifications, timefmt
from readiness.models import Override, Release
from readiness.permissions import MANAGERS

logger = logging.getLogger(__name__)


def _recipients(release: Release) -> list[tuple[str, str]]:
    found = dict(notifications.release_facilitators(release))
    managers = get_user_model().objects.filter(groups__name=MANAGERS, is_active=True, email__gt="")
    for user in managers:
        found.setdefault(user.email, notifications._user_language(user, release.language))
    return sorted(found.items())


def addresses(release: Release) -> list[str]:
    """Whom the override e-mail goes to (for the Event); empty when nobody has an address."""
    return [address for address, _language in _recipients(release)]


def override_granted(*, override_id: int) -> list[notifications.Mail]:
    override = Override.objects.select_related("release").filter(pk=override_id).first()
    if override is None:
        return []
    release = override.release
    kinds = ", ".join(sorted({b.get("kind", "") for b in override.overrode})) or "-"

    def content() -> dict[str, Any]:
        return {
            "subject": _("The gate of %(release)s was overridden") % {"release": release},
            "intro": _(
                "%(who)s let %(release)s ship although its gate blocks it (%(kinds)s), "
                "until %(until)s. Reason: %(reason)s"
            )
            % {
                "who": override.granted_by_name or "?",
                "release": release,
                "kinds": kinds,
                "until": timefmt.moment_text(override.expires_at, None),
                "reason": override.reason,
            },
            "item": {
                "kind": "override",
                "title": str(release),
                "release": str(release),
                "session": "",
                "due": timefmt.moment_text(override.expires_at, None),
                "url": notifications.absolute(release.get_absolute_url()),
            },
            "me_url": notifications.absolute(reverse("me:home")),
            "settings_url": notifications.absolute(reverse("settings:index")),
        }

    return [
        notifications.Mail(to, language, "notice", content)
        for to, language in _recipients(release)
    ]


def notify(override_id: int) -> None:
    """Queue the e-mail for after the commit; call it inside the grant's transaction."""
    transaction.on_commit(partial(_enqueue, override_id))


def _enqueue(override_id: int) -> None:
    try:
        send_override_mail.enqueue(override_id)
    except Exception:
        logger.exception("the override e-mail %s could not be enqueued", override_id)


@task
def send_override_mail(override_id: int) -> int:
    return sum(notifications.mail_send(m) for m in override_granted(override_id=override_id))
