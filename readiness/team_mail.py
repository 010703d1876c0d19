"""The e-mail that tells someone they were added to a team: which team, which role, and
where to sign in; in their language when the directory knows it, else the team's."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from readiness import notifications
from readiness.models import Membership
from readiness.notifications import Mail


def invitation(*, membership_id: int) -> list[Mail]:
    membership = (
        Membership.objects.select_related("team", "person__user", "added_by")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        return []
    team, person = membership.team, membership.person
    to = notifications._to_person(person, fallback=team.default_language or settings.LANGUAGE_CODE)
    if not to:
        return []
    added_by = membership.added_by
    who = (added_by.get_full_name() or added_by.get_username()) if added_by else ""
    team_path = team.get_absolute_url()
    sign_in = notifications.absolute(f"{reverse('login')}?{urlencode({'next': team_path})}")

    def content() -> dict[str, Any]:
        role = membership.get_role_display()
        if membership.role == Membership.Role.APPROVER and membership.area:
            role = _("%(role)s for %(area)s") % {"role": role, "area": membership.area}
        if who:
            intro = _("%(who)s added you to the team %(team)s in Readiness, as %(role)s.")
        else:
            intro = _("You were added to the team %(team)s in Readiness, as %(role)s.")
        return {
            "subject": _("You are in the team %(team)s") % {"team": team.name},
            "intro": intro % {"who": who, "team": team.name, "role": role},
            "name": person.name,
            "team": team.name,
            "role": role,
            "description": team.description,
            "sign_in_url": sign_in,
            "team_url": notifications.absolute(team_path),
        }

    return [Mail(to[0], to[1], "team_invitation", content)]
