"""E-mail to people: telling a facilitator that a condition's deadline passed unsatisfied."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from readiness.models import Condition
from readiness.permissions import FACILITATORS

logger = logging.getLogger(__name__)


def facilitator_addresses(condition: Condition) -> list[str]:
    """The session's facilitator; failing an address for them, the facilitators group."""
    facilitator = condition.decision.session.facilitator
    if facilitator is not None:
        address = facilitator.email or (facilitator.user.email if facilitator.user else "")
        if address:
            return [address]
    users = get_user_model().objects.filter(
        groups__name=FACILITATORS, is_active=True, email__gt=""
    )
    return sorted({u.email for u in users})


def expired_condition_tell(condition: Condition) -> bool:
    """Send the e-mail; False when there is nobody to send it to or sending failed."""
    recipients = facilitator_addresses(condition)
    release = condition.decision.session.release
    if not recipients:
        logger.warning("expired condition %s: no facilitator address to tell", condition.pk)
        return False
    subject = _("%(release)s: a condition of the GO has expired") % {"release": release}
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
        lines.append(_("Deadline: %(deadline)s") % {"deadline": condition.deadline.isoformat()})
    lines += ["", _("The release's gate answers not ready until it is satisfied.")]
    if settings.SITE_URL:
        lines.append(f"{settings.SITE_URL}{release.get_absolute_url()}")
    try:
        send_mail(subject, "\n".join(lines), None, recipients)
    except Exception:
        logger.exception("expired condition %s: the e-mail could not be sent", condition.pk)
        return False
    return True
