"""Who may do what: one function per object kind, used by views, the API and commands.

Beside the `can_*()` predicates sit the loaders, one per object kind, in the shape
healthchecks uses (`_get_rw_check_for_user`): a view calls one on its first line and gets
the object, or a 404 (unknown, or not part of the session or release in the URL), or a
403 (it exists, but this user may not). `*_for_user` loaders ask for reading rights,
`*_for_editor` ones for the right to run the session.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from readiness.models import (
    Action,
    AgendaItem,
    ApiToken,
    ChecklistItem,
    Condition,
    Decision,
    Evidence,
    Freeze,
    Membership,
    Override,
    Participant,
    Person,
    ReadinessCheck,
    Release,
    Session,
    Team,
    TeamRole,
    TeamVisibility,
    Webhook,
)

MANAGERS = "managers"

User = AbstractBaseUser | AnonymousUser


def _active(user: User) -> bool:
    return user.is_authenticated and user.is_active


def _in_group(user: User, group: str) -> bool:
    """Group membership, asked of the database once per user object."""
    cache = getattr(user, "_readiness_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._readiness_groups = cache
    return group in cache


def team_roles(user: User) -> dict[int, str]:
    """The user's role in each team they belong to (through their person record), asked
    of the database once per user object."""
    cache = getattr(user, "_readiness_team_roles", None)
    if cache is None:
        cache = (
            dict(Membership.objects.filter(person__user_id=user.pk).values_list("team_id", "role"))
            if user.is_authenticated
            else {}
        )
        user._readiness_team_roles = cache
    return cache


def forget_roles(user: User) -> None:
    """Drop the cached roles, after a write that changed them."""
    for name in ("_readiness_groups", "_readiness_team_roles"):
        if hasattr(user, name):
            delattr(user, name)


def is_admin(user: User) -> bool:
    return _active(user) and user.is_superuser


def reads_every_team(user: User) -> bool:
    """Administrators and the site's managers read every team's releases, private ones too."""
    return _active(user) and (user.is_superuser or _in_group(user, MANAGERS))


def is_team_facilitator(user: User, team: Team | int | None) -> bool:
    """A facilitator of that team, or an admin; a deactivated account is neither."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    team_id = team.pk if isinstance(team, Team) else team
    return team_roles(user).get(team_id) == TeamRole.FACILITATOR


def facilitated_team_ids(user: User) -> list[int]:
    """The teams the user facilitates (an admin's are every team: ask `is_admin` first)."""
    if not _active(user):
        return []
    return [pk for pk, role in team_roles(user).items() if role == TeamRole.FACILITATOR]


def is_facilitator(user: User) -> bool:
    """A facilitator of some team, or an admin: who may create releases, import minutes,
    keep the people directory and register webhooks, each for their own teams."""
    return is_admin(user) or bool(facilitated_team_ids(user))


def _visible(user: User, team_field: str = "team") -> Q:
    """The rows whose team the user may read: every internal team, and the private
    teams they belong to (every team for administrators and managers).

    Asked inside the query that loads the rows (two EXISTS), so that reading rights cost
    no query of their own, on every page and in the live poll alike."""
    if not _active(user):
        return Q(pk__in=[])
    if user.is_superuser or MANAGERS in getattr(user, "_readiness_groups", ()):
        return Q()
    member = Membership.objects.filter(team=OuterRef(team_field), person__user_id=user.pk)
    manager = user.groups.through.objects.filter(user_id=user.pk, group__name=MANAGERS)
    return (
        Q(**{f"{team_field}__visibility": TeamVisibility.INTERNAL})
        | Q(Exists(member))
        | Q(Exists(manager))
    )


# --- Teams --------------------------------------------------------------------------------


def can_view_team(user: User, team: Team) -> bool:
    if not _active(user):
        return False
    return not team.is_private or team.pk in team_roles(user) or reads_every_team(user)


def teams_for_user(user: User) -> QuerySet[Team]:
    """The teams the user may see: internal ones, their own, all for managers and admins."""
    if not _active(user):
        return Team.objects.none()
    if reads_every_team(user):
        return Team.objects.all()
    return Team.objects.filter(
        Q(visibility=TeamVisibility.INTERNAL) | Q(pk__in=list(team_roles(user)))
    )


def teams_for_facilitator(user: User) -> QuerySet[Team]:
    """The teams whose releases, webhooks, templates and freezes the user may manage."""
    if is_admin(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=facilitated_team_ids(user))


def can_create_team(user: User) -> bool:
    """New teams are the administrators' to create."""
    return is_admin(user)


def check_can_create_team(user: User) -> None:
    if not can_create_team(user):
        raise PermissionDenied


def can_manage_team(user: User, team: Team) -> bool:
    """The team's facilitators (and admins) edit it and its members."""
    return is_team_facilitator(user, team)


def get_team_for_user(user: User, slug: str) -> Team:
    """The team, or 404 when there is none or it is private to others."""
    return get_object_or_404(teams_for_user(user), slug=slug)


def get_team_for_manager(user: User, slug: str) -> Team:
    """The team, to change it or its members: 404, or 403 unless the user facilitates it."""
    team = get_team_for_user(user, slug)
    if not can_manage_team(user, team):
        raise PermissionDenied
    return team


def get_membership_for_manager(user: User, slug: str, pk: int) -> Membership:
    """A membership of the team in the URL, to change or remove it."""
    team = get_team_for_manager(user, slug)
    membership = get_object_or_404(
        Membership.objects.select_related("person", "team"), pk=pk, team=team
    )
    return membership


# --- Releases -----------------------------------------------------------------------------


def can_view_releases(user: User) -> bool:
    """Any active login reads the internal teams' releases; `releases_for_user` says which."""
    return _active(user)


def can_view_release(user: User, release: Release) -> bool:
    """An internal team's release is every login's to read; a private team's, its members'
    and the site managers' (the loaders fetch the team with the release)."""
    return _active(user) and can_view_team(user, release.team)


def releases_for_user(user: User) -> QuerySet[Release]:
    if not _active(user):
        return Release.objects.none()
    return Release.objects.filter(_visible(user))


def releases_for_person(person: Person) -> QuerySet[Release]:
    """The releases someone may read whether or not they have a login (what a reminder to
    them may name): their login's, else the internal teams' and their own teams'."""
    if person.user_id is not None:
        return releases_for_user(person.user)
    mine = Membership.objects.filter(team=OuterRef("team"), person=person)
    return Release.objects.filter(Q(team__visibility=TeamVisibility.INTERNAL) | Q(Exists(mine)))


def get_release_for_user(
    user: User, slug: str, queryset: QuerySet[Release] | None = None
) -> Release:
    """The release with its team, or 404 when there is none or the user may not read it:
    a private team's release does not exist for those outside it."""
    if not _active(user):
        raise PermissionDenied
    queryset = queryset if queryset is not None else Release.objects.all()
    return get_object_or_404(queryset.select_related("team").filter(_visible(user)), slug=slug)


def can_schedule_session(user: User, release: Release) -> bool:
    """The facilitators of the release's team (and admins) schedule its sessions."""
    return is_team_facilitator(user, release.team_id)


def get_release_for_scheduler(user: User, slug: str) -> Release:
    """The release, to schedule a session of it: its team's facilitators and admins only."""
    release = get_release_for_user(user, slug)
    if not can_schedule_session(user, release):
        raise PermissionDenied
    return release


def can_manage_release(user: User, release: Release) -> bool:
    """Edit, cancel, delete a release and record its deployments: its team's facilitators,
    admins, and whoever facilitates one of its sessions."""
    if not _active(user):
        return False
    if is_team_facilitator(user, release.team_id):
        return True
    return Session.objects.filter(release=release, facilitator__user=user).exists()


def get_release_for_manager(
    user: User, slug: str, queryset: QuerySet[Release] | None = None
) -> Release:
    """The release, to change it or record a deployment: 404, or 403 unless the user may."""
    release = get_release_for_user(user, slug, queryset)
    if not can_manage_release(user, release):
        raise PermissionDenied
    return release


def check_can_create_release(user: User) -> None:
    """403 unless the user facilitates a team a new release could belong to."""
    if not is_facilitator(user):
        raise PermissionDenied


def can_create_release_in(user: User, team: Team) -> bool:
    return is_team_facilitator(user, team)


def can_view_history(user: User) -> bool:
    """The history list, its search and its export: as readable as each release."""
    return user.is_authenticated and user.is_active


def can_view_insights(user: User) -> bool:
    """Figures across releases: anyone who may read the releases they are drawn from."""
    return user.is_authenticated and user.is_active


def check_can_view_history(user: User) -> None:
    if not can_view_history(user):
        raise PermissionDenied


def check_can_view_insights(user: User) -> None:
    if not can_view_insights(user):
        raise PermissionDenied


# --- People -------------------------------------------------------------------------------


def can_view_people(user: User) -> bool:
    """Names, titles and addresses, as every login reads them in the records."""
    return user.is_authenticated and user.is_active


def can_edit_people(user: User) -> bool:
    """Facilitators of any team (and admins) keep the directory: details and merges."""
    return is_facilitator(user)


def check_can_view_people(user: User) -> None:
    if not can_view_people(user):
        raise PermissionDenied


def get_person_for_user(user: User, pk: int, queryset: QuerySet[Person] | None = None) -> Person:
    """The person, or 404, or 403 when the user may not read the directory."""
    person = get_object_or_404(
        queryset if queryset is not None else Person.objects.select_related("user"), pk=pk
    )
    check_can_view_people(user)
    return person


def get_person_for_editor(user: User, pk: int) -> Person:
    """The person, to change their details or merge a duplicate into them."""
    person = get_person_for_user(user, pk)
    if not can_edit_people(user):
        raise PermissionDenied
    return person


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
    revision = (
        Session.objects.filter(_visible(user, "release__team"), pk=pk, release__slug=slug)
        .values_list("revision", flat=True)
        .first()
    )
    if revision is None:
        raise Http404
    return revision


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


def _earlier_or_same_session(slug: str, session_pk: int) -> Q:
    """Actions of that session, or of an earlier session of its release (its follow-ups,
    which its page lists and lets people act on), in the one query that loads them."""
    own = Session.objects.filter(pk=session_pk, release__slug=slug)
    at = Subquery(own.values("scheduled_at")[:1])
    earlier = Session.objects.filter(release__slug=slug).filter(
        Q(scheduled_at__lt=at) | Q(scheduled_at=at, pk__lt=session_pk)
    )
    return Q(session_id=session_pk) | Q(session__in=earlier)


def _get_action(user: User, pk: int, *, slug, session_pk, evidence: bool) -> Action:
    queryset = Action.objects.select_related("owner", "session__facilitator", "session__release")
    if evidence:
        queryset = queryset.prefetch_related("evidence")
    if slug is not None:
        queryset = queryset.filter(
            _earlier_or_same_session(slug, session_pk), session__release__slug=slug
        )
    if not _active(user):
        raise PermissionDenied
    return get_object_or_404(queryset.filter(_visible(user, "session__release__team")), pk=pk)


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
    return Action.objects.filter(_visible(user, "session__release__team"))


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


# --- API tokens ---------------------------------------------------------------------------


def can_manage_api_token(user: User, api_token: ApiToken) -> bool:
    """A token is its user's alone: nobody else sees or revokes it, admins included."""
    return user.is_authenticated and user.is_active and api_token.user_id == user.pk


def get_api_token_for_user(user: User, token_id: int) -> ApiToken:
    """The user's own token, or 404: other people's tokens do not exist for them."""
    api_token = get_object_or_404(ApiToken, pk=token_id)
    if not can_manage_api_token(user, api_token):
        raise Http404
    return api_token


# --- Webhooks -----------------------------------------------------------------------------


def can_manage_webhooks(user: User) -> bool:
    """Team facilitators register their teams' webhooks and admins every one."""
    return is_facilitator(user)


def _webhook_team_id(webhook: Webhook) -> int | None:
    if webhook.release_id is not None:
        return webhook.release.team_id
    return webhook.team_id


def can_manage_webhook(user: User, webhook: Webhook) -> bool:
    """A team's webhook, or one bound to a team's release, is that team's facilitators'
    (and the admins'); a global webhook, which hears every team, is the admins' alone."""
    if is_admin(user):
        return True
    team_id = _webhook_team_id(webhook)
    return team_id is not None and is_team_facilitator(user, team_id)


def webhooks_for_user(user: User) -> QuerySet[Webhook]:
    """The webhooks the user manages: their teams' and their teams' releases'."""
    webhooks = Webhook.objects.select_related("release", "team")
    if is_admin(user):
        return webhooks.all()
    teams = facilitated_team_ids(user)
    return webhooks.filter(Q(team_id__in=teams) | Q(release__team_id__in=teams))


def check_can_manage_webhooks(user: User) -> None:
    """403 unless the user may list and register webhooks."""
    if not can_manage_webhooks(user):
        raise PermissionDenied


def get_webhook_for_user(user: User, webhook_id: int) -> Webhook:
    """The webhook with its release, or 404 (another team's webhook does not exist for the
    user); 403 when the user may not manage webhooks at all."""
    check_can_manage_webhooks(user)
    webhook = get_object_or_404(Webhook.objects.select_related("release", "team"), pk=webhook_id)
    if not can_manage_webhook(user, webhook):
        raise Http404
    return webhook


# --- Freezes and overrides ----------------------------------------------------------------


def can_view_freezes(user: User) -> bool:
    """The freeze calendar: every active login reads the site's freezes and those of the
    teams it may read."""
    return _active(user)


def freezes_for_user(user: User) -> QuerySet[Freeze]:
    if not _active(user):
        return Freeze.objects.none()
    freezes = Freeze.objects.select_related("team")
    if reads_every_team(user):  # (an empty Q would drop out of the OR below)
        return freezes.all()
    return freezes.filter(Q(team__isnull=True) | _visible(user))


def can_manage_freezes(user: User) -> bool:
    """Team facilitators keep their teams' freezes, admins every freeze."""
    return is_facilitator(user)


def can_manage_freeze(user: User, freeze: Freeze) -> bool:
    """A team's freeze is its facilitators'; a site-wide one (no team) the admins'."""
    if freeze.team_id is None:
        return is_admin(user)
    return is_team_facilitator(user, freeze.team_id)


def check_can_view_freezes(user: User) -> None:
    if not can_view_freezes(user):
        raise PermissionDenied


def check_can_manage_freezes(user: User) -> None:
    if not can_manage_freezes(user):
        raise PermissionDenied


def get_freeze_for_editor(user: User, pk: int) -> Freeze:
    """The freeze, to change or remove it: 404, or 403 unless the user keeps it."""
    freeze = get_object_or_404(freezes_for_user(user), pk=pk)
    if not can_manage_freeze(user, freeze):
        raise PermissionDenied
    return freeze


def can_override_gate(user: User) -> bool:
    """Break-glass is for administrators only: the facilitators who run the meetings whose
    decisions the gate enforces do not also get to set it aside (separation of duties)."""
    return is_admin(user)


def can_set_site_policy(user: User) -> bool:
    """The site's default sign-off policy, which every new release copies, is the
    administrators' to set."""
    return user.is_authenticated and user.is_active and user.is_superuser


def check_can_set_site_policy(user: User) -> None:
    if not can_set_site_policy(user):
        raise PermissionDenied


def get_release_for_overrider(user: User, slug: str) -> Release:
    """The release, to override its gate: 404, or 403 unless the user is an admin."""
    release = get_release_for_user(user, slug)
    if not can_override_gate(user):
        raise PermissionDenied
    return release


def get_override_for_revoker(user: User, slug: str, pk: int) -> Override:
    """An override of the release in the URL, to revoke it: admins only."""
    release = get_release_for_overrider(user, slug)
    return get_object_or_404(Override.objects.select_related("release"), pk=pk, release=release)
