"""A session and its rows, actions, conditions, decisions and the minutes import."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from readiness.models import (
    Action,
    AgendaItem,
    ChecklistItem,
    Condition,
    Decision,
    Evidence,
    Participant,
    ReadinessCheck,
    Release,
    Session,
    Team,
)
from readiness.permissions._roles import (
    User,
    _active,
    _visible,
    is_facilitator,
    is_team_facilitator,
)
from readiness.permissions.releases import (
    can_view_releases,
)

# --- Sessions -----------------------------------------------------------------------------


def can_facilitate_session(user: User, session: Session) -> bool:
    """The session's own facilitator, a facilitator of its release's team, or an admin."""
    if not _active(user):
        return False
    if is_team_facilitator(user, session.release.team_id):
        return True
    facilitator = session.facilitator
    return facilitator is not None and facilitator.user_id == user.pk


def get_session_for_user(
    user: User, slug: str, pk: int, queryset: QuerySet[Session] | None = None
) -> Session:
    """The session of that release, or 404; 403 when the user may not read it."""
    if not _active(user):
        raise PermissionDenied
    queryset = queryset if queryset is not None else Session.objects.select_related("release")
    return get_object_or_404(
        queryset.filter(_visible(user, "release__team")), pk=pk, release__slug=slug
    )


def get_session_for_editor(
    user: User, slug: str, pk: int, queryset: QuerySet[Session] | None = None
) -> Session:
    """The session, if the user may run it: its facilitator, a facilitator, or an admin."""
    queryset = (
        queryset
        if queryset is not None
        else Session.objects.select_related("release", "facilitator")
    )
    session = get_session_for_user(user, slug, pk, queryset)
    if not can_facilitate_session(user, session):
        raise PermissionDenied
    return session


def get_session_revision_for_user(user: User, slug: str, pk: int) -> int:
    """The session's revision alone, for the live poll: one indexed query, no row loaded.

    Whether the user may read the release is part of the query: a private team's
    session is not found by those outside it.
    """
    if not can_view_releases(user):
        raise PermissionDenied
    # Unordered: the key names one row, and `first()` would order it by the sessions'
    # schedule, which a query of one row pays for in building and planning.
    found = (
        Session.objects.filter(_visible(user, "release__team"), pk=pk, release__slug=slug)
        .order_by()
        .values_list("revision", flat=True)[:1]
    )
    for revision in found:
        return revision
    raise Http404


def _child_for_editor(user: User, queryset: QuerySet, slug: str, pk: int, item: int):
    """A row of the session in the URL, for whoever may run that session.

    The row is fetched with its session and release so that the view and its answer
    need no other query; a row of another session is a 404, as if it did not exist.
    """
    obj = get_object_or_404(
        queryset.select_related("session__release", "session__facilitator").filter(
            _visible(user, "session__release__team")
        ),
        pk=item,
        session_id=pk,
        session__release__slug=slug,
    )
    if not can_facilitate_session(user, obj.session):
        raise PermissionDenied
    return obj


def get_participant_for_editor(user: User, slug: str, pk: int, item: int) -> Participant:
    return _child_for_editor(user, Participant.objects.select_related("person"), slug, pk, item)


def get_agenda_item_for_editor(user: User, slug: str, pk: int, item: int) -> AgendaItem:
    return _child_for_editor(user, AgendaItem.objects.prefetch_related("evidence"), slug, pk, item)


def get_check_for_editor(user: User, slug: str, pk: int, item: int) -> ReadinessCheck:
    return _child_for_editor(
        user, ReadinessCheck.objects.prefetch_related("evidence"), slug, pk, item
    )


def get_checklist_item_for_editor(user: User, slug: str, pk: int, item: int) -> ChecklistItem:
    return _child_for_editor(
        user,
        ChecklistItem.objects.select_related("readiness_check", "set_by", "exempted_by"),
        slug,
        pk,
        item,
    )


def get_evidence_for_editor(user: User, slug: str, pk: int, item: int) -> Evidence:
    return _child_for_editor(user, Evidence.objects.select_related("verified_by"), slug, pk, item)


def get_action_for_editor(user: User, slug: str, pk: int, item: int) -> Action:
    return _child_for_editor(
        user, Action.objects.select_related("owner").prefetch_related("evidence"), slug, pk, item
    )


def _listed_on(action: Action, slug: str, session_pk: int) -> bool:
    """Whether the page of session `session_pk` of release `slug` lists the action: its own
    session, or a later session of its release (which lists it among its follow-ups)."""
    if action.session_id == session_pk:
        return True
    held = action.session
    later = Q(scheduled_at__gt=held.scheduled_at) | Q(
        scheduled_at=held.scheduled_at, pk__gt=held.pk
    )
    return Session.objects.filter(later, pk=session_pk, release__slug=slug).exists()


def _get_action(user: User, pk: int, *, slug, session_pk, evidence: bool) -> Action:
    queryset = Action.objects.select_related("owner", "session__facilitator", "session__release")
    if evidence:
        queryset = queryset.prefetch_related("evidence")
    if slug is not None:
        queryset = queryset.filter(session__release__slug=slug)
    if not _active(user):
        raise PermissionDenied
    action = get_object_or_404(queryset.filter(_visible(user, "session__release__team")), pk=pk)
    # Asked of the row once it is loaded: on its own session's page (nearly every
    # request) that costs nothing, where one query asking for both cost more to build
    # than the database took to answer it.
    if slug is not None and not _listed_on(action, slug, session_pk):
        raise Http404
    return action


def get_action_for_user(user: User, pk: int, *, slug: str | None = None, session_pk=None):
    """The action, for someone who may read it; within one session when the URL names one
    (its own actions and its follow-ups: the open actions of earlier sessions).

    Whether this user may change its status is the status change's own question.
    """
    return _get_action(user, pk, slug=slug, session_pk=session_pk, evidence=True)


def get_action_for_status_change(
    user: User,
    pk: int,
    *,
    to_status: str | None = None,
    slug: str | None = None,
    session_pk: int | None = None,
) -> Action:
    """The action, for its owner or whoever may facilitate it, 403 for anyone else; with
    `to_status`, only for who may move it there (a reopening is a facilitator's). The
    status change itself asks again, under its lock, against the current row. Its
    evidence is not loaded: the change may add to it, so its answer reads it afterwards."""
    action = _get_action(user, pk, slug=slug, session_pk=session_pk, evidence=False)
    if not can_update_action(user, action, to_status=to_status):
        raise PermissionDenied
    return action


def get_action_for_updater(user: User, slug: str, pk: int, item: int) -> Action:
    """The action, to open its status controls: for its owner or whoever may facilitate."""
    action = get_action_for_user(user, item, slug=slug, session_pk=pk)
    if not can_update_action(user, action):
        raise PermissionDenied
    return action


def get_condition_for_user(
    user: User, pk: int, *, slug: str | None = None, session_pk: int | None = None
) -> Condition:
    """The condition, for its owner or whoever may facilitate the session that decided it."""
    queryset = Condition.objects.select_related(
        "owner", "decision__session__facilitator", "decision__session__release"
    ).prefetch_related("evidence")
    if slug is not None:
        queryset = queryset.filter(
            decision__session_id=session_pk, decision__session__release__slug=slug
        )
    condition = get_object_or_404(
        queryset.filter(_visible(user, "decision__session__release__team")), pk=pk
    )
    if not can_satisfy_condition(user, condition):
        raise PermissionDenied
    return condition


def get_condition_for_editor(user: User, slug: str, pk: int, item: int) -> Condition:
    """A condition of the session in the URL, to change its owner or deadline: for whoever
    may run that session."""
    condition = get_object_or_404(
        Condition.objects.select_related(
            "owner", "decision__session__facilitator", "decision__session__release"
        )
        .prefetch_related("evidence")
        .filter(_visible(user, "decision__session__release__team")),
        pk=item,
        decision__session_id=pk,
        decision__session__release__slug=slug,
    )
    if not can_facilitate_session(user, condition.decision.session):
        raise PermissionDenied
    return condition


def get_decision_for_reviewer(
    user: User, pk: int | None = None, *, slug: str | None = None, session_pk: int | None = None
) -> Decision:
    """A decision by its id, or a session's current one; for whoever may record its review."""
    queryset = Decision.objects.select_related("session__facilitator", "session__release").filter(
        _visible(user, "session__release__team")
    )
    if slug is not None:
        decision = get_object_or_404(
            queryset, session_id=session_pk, session__release__slug=slug, is_current=True
        )
    else:
        decision = get_object_or_404(queryset, pk=pk)
    if not can_record_review(user, decision):
        raise PermissionDenied
    return decision


def get_decision_for_signer(
    user: User, pk: int, *, slug: str | None = None, session_pk: int | None = None
) -> Decision:
    """A decision to sign off, for any reader of the release: whether this user may sign
    for that approver is the sign-off service's rule, the same for every door."""
    if not _active(user):
        raise PermissionDenied
    queryset = Decision.objects.select_related("session__release", "session__facilitator")
    if slug is not None:
        queryset = queryset.filter(session_id=session_pk, session__release__slug=slug)
    return get_object_or_404(queryset.filter(_visible(user, "session__release__team")), pk=pk)


def signer_participant(user: User, decision: Decision, participant_id: int | None = None):
    """The participant signing: the one named (a proxy sign-off; 404 when it is not of
    the session), else the user's own seat in the decision's session (403 without one)."""
    seats = Participant.objects.select_related("person").filter(session_id=decision.session_id)
    if participant_id is not None:
        return get_object_or_404(seats, pk=participant_id)
    own = seats.filter(person__user_id=user.pk).first() if user.is_authenticated else None
    if own is None:
        raise PermissionDenied(_("You are not an approver of this decision."))
    return own


# --- Actions ------------------------------------------------------------------------------


def actions_for_user(user: User) -> QuerySet[Action]:
    """The actions of every release the user may read."""
    if not _active(user):
        return Action.objects.none()
    return Action.objects.filter(_visible(user, "release__team"))


def conditions_for_user(user: User) -> QuerySet[Condition]:
    """The conditions of every release the user may read."""
    if not _active(user):
        return Condition.objects.none()
    return Condition.objects.filter(_visible(user, "decision__session__release__team"))


def can_update_action(user: User, action: Action, *, to_status: str | None = None) -> bool:
    """Whether the user gets an action's status controls: its owner, or whoever may
    facilitate its session. With `to_status`, whether they may make that change."""
    if to_status is not None:
        return can_change_action_status(user, action, to_status)
    if not (user.is_authenticated and user.is_active):
        return False
    return action.owner.user_id == user.pk or can_facilitate_session(user, action.session)


def can_change_action_status(user: User, action: Action, to_status: str) -> bool:
    """The owner moves their own work along (start, block, finish); cancelling it, or
    reopening it once closed, takes it off or puts it back on the gate's blocking list, so
    only whoever may facilitate the session does that."""
    if not (user.is_authenticated and user.is_active):
        return False
    if can_facilitate_session(user, action.session):
        return True
    if action.owner.user_id != user.pk:
        return False
    cancelling = to_status == Action.Status.CANCELLED
    reopening = not action.is_open and to_status in Action.OPEN_STATUSES
    return not (cancelling or reopening)


# --- Decisions ----------------------------------------------------------------------------


def can_record_review(user: User, decision: Decision) -> bool:
    """Whoever may facilitate the session records that its post-go-live review was held."""
    return can_facilitate_session(user, decision.session)


# --- Minutes ------------------------------------------------------------------------------


def can_import_minutes(user: User) -> bool:
    """Facilitators of a team (into their teams) and administrators: an import creates
    releases and people."""
    return is_facilitator(user)


def can_import_into(user: User, team: Team, existing: Release | None = None) -> bool:
    """Importing into `team`, replacing `existing` when the minutes' release is there
    already: the user must facilitate the team, and the existing release's team too."""
    if not is_team_facilitator(user, team):
        return False
    return existing is None or is_team_facilitator(user, existing.team_id)


def check_can_import_minutes(user: User) -> None:
    if not can_import_minutes(user):
        raise PermissionDenied


# --- Conditions ---------------------------------------------------------------------------


def can_satisfy_condition(user: User, condition: Condition) -> bool:
    """The condition's owner, or whoever may facilitate the session that decided it."""
    if not (user.is_authenticated and user.is_active):
        return False
    owner = condition.owner
    if owner is not None and owner.user_id == user.pk:
        return True
    return can_facilitate_session(user, condition.decision.session)
