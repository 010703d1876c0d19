"""The agenda of a meeting and the areas' readiness checks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from readiness import bounds
from readiness.models import (
    AgendaItem,
    Event,
    ReadinessCheck,
    Session,
)
from readiness.services._core import (
    User,
    _create,
    _lock_parents,
    _remove,
    _update,
    event_record,
    snapshot,
)


def _next_position(rows: models.QuerySet) -> int:
    """Where a new row goes: after the last of `rows`, or first."""
    return (rows.aggregate(m=models.Max("position"))["m"] or 0) + 1


@transaction.atomic
def agenda_item_add(
    *,
    user: User,
    session: Session,
    title: str,
    time_box_minutes: int | None = None,
    notes: str = "",
    discussed: bool = False,
) -> AgendaItem:
    item = AgendaItem(
        session=session,
        position=_next_position(session.agenda_items),
        title=title.strip(),
        time_box_minutes=time_box_minutes,
        notes=notes.strip(),
        discussed=discussed,
    )
    return _create(item, user=user, verb=Event.Verb.AGENDA_ITEM_ADDED)


@transaction.atomic
def readiness_check_set(
    *,
    user: User,
    session: Session,
    area: str,
    status: str,
    summary: str = "",
    expected_version: int | None = None,
) -> ReadinessCheck:
    """Create the area's check or update it; areas are unique per session."""
    area = " ".join(bounds.clean_line(area).split())
    existing = session.readiness_checks.filter(area__iexact=area).first()
    if existing is None:
        position = _next_position(session.readiness_checks)
        check = ReadinessCheck(
            session=session, area=area, status=status, summary=summary.strip(), position=position
        )
        return _create(check, user=user, verb=Event.Verb.READINESS_CHECK_ADDED)
    return _update(
        existing,
        user=user,
        verb=Event.Verb.READINESS_CHECK_UPDATED,
        expected_version=expected_version,
        status=status,
        summary=summary.strip(),
    )


@transaction.atomic
def agenda_item_update(
    *,
    user: User,
    item: AgendaItem,
    expected_version: int | None,
    title: str,
    time_box_minutes: int | None,
    notes: str,
) -> AgendaItem:
    if not bounds.clean_line(title).strip():
        raise ValidationError({"title": _("An agenda item needs a title.")})
    return _update(
        item,
        user=user,
        verb=Event.Verb.AGENDA_ITEM_UPDATED,
        expected_version=expected_version,
        title=title.strip(),
        time_box_minutes=time_box_minutes,
        notes=notes.strip(),
    )


def _set_current_item(
    *, user: User, session: Session, item: AgendaItem | None, only_if: AgendaItem | None = None
) -> bool:
    """Point the session at the item being discussed (or at none), as an Event of its own.

    Which item is up is the meeting's pointer, not the session's details, so it does not
    bump the session's version: a facilitator's open edit of the session stays valid.
    `only_if` clears or moves the pointer only while it is on that item.
    """

    def changes_something(session: Session) -> bool:
        if only_if is not None and session.current_agenda_item_id != only_if.pk:
            return False
        return session.current_agenda_item_id != (item.pk if item else None)

    changed = _update(
        session,
        user=user,
        verb=Event.Verb.SESSION_CURRENT_ITEM_CHANGED,
        check=changes_something,
        bump_version=False,
        current_agenda_item=item,
    )
    return changed is not None


@transaction.atomic
def agenda_item_delete(*, user: User, item: AgendaItem) -> None:
    session = item.session
    _lock_parents(item)
    before = snapshot(item)
    _set_current_item(user=user, session=session, item=None, only_if=item)
    event_record(user=user, verb=Event.Verb.AGENDA_ITEM_DELETED, obj=item, before=before)
    item.delete()
    # Close the gap so positions stay 1..n; a renumbered item is a changed item.
    for position, other in enumerate(session.agenda_items.order_by("position", "pk"), start=1):
        if other.position != position:
            AgendaItem.objects.filter(pk=other.pk).update(
                position=position, version=F("version") + 1
            )


@transaction.atomic
def agenda_item_move(*, user: User, item: AgendaItem, direction: str) -> AgendaItem:
    """Swap the item with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move an item up or down."))
    _lock_parents(item)
    items = list(
        AgendaItem.objects.select_for_update()
        .filter(session_id=item.session_id)
        .order_by("position", "pk")
    )
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    neighbour_index = index - 1 if direction == "up" else index + 1
    if not 0 <= neighbour_index < len(items):
        return item  # Already first or last: nothing to do.
    items[index], items[neighbour_index] = items[neighbour_index], items[index]
    before = {"position": item.position}
    for position, other in enumerate(items, start=1):
        if other.position != position:
            AgendaItem.objects.filter(pk=other.pk).update(
                position=position, version=F("version") + 1
            )
    item.refresh_from_db()
    event_record(
        user=user,
        verb=Event.Verb.AGENDA_ITEM_MOVED,
        obj=item,
        before=before,
        after={"position": item.position},
    )
    return item


@transaction.atomic
def agenda_item_start_discussion(*, user: User, item: AgendaItem) -> AgendaItem:
    """Highlight the item for everyone, its clock running against its time box."""
    if not _set_current_item(user=user, session=item.session, item=item):
        return item
    return _update(
        item,
        user=user,
        verb=Event.Verb.AGENDA_ITEM_DISCUSSING,
        discussion_started_at=timezone.now(),
    )


@transaction.atomic
def agenda_item_set_discussed(*, user: User, item: AgendaItem, discussed: bool) -> AgendaItem:
    if discussed:
        # Done with it: the meeting moves on.
        _set_current_item(user=user, session=item.session, item=None, only_if=item)
    if item.discussed == discussed:
        return item
    return _update(
        item,
        user=user,
        verb=Event.Verb.AGENDA_ITEM_DISCUSSED if discussed else Event.Verb.AGENDA_ITEM_REOPENED,
        discussed=discussed,
    )


@transaction.atomic
def readiness_check_add(
    *, user: User, session: Session, area: str, status: str, summary: str = ""
) -> ReadinessCheck:
    """A new area on the checklist; an area already there is refused, not overwritten.

    `readiness_check_set` updates an existing area (the template and the importer rely
    on that); adding from the page is a different intention: the person did not see it.
    """
    if session.readiness_checks.filter(area__iexact=" ".join(area.split())).exists():
        raise ValidationError({"area": _("This area already has a check: change it in the list.")})
    return readiness_check_set(
        user=user, session=session, area=area, status=status, summary=summary
    )


@transaction.atomic
def readiness_check_remove(
    *, user: User, check: ReadinessCheck, expected_version: int | None
) -> None:
    """Drop an area from the session's checks; evidence that backed it stays, on the
    session as a whole."""
    _remove(
        check,
        user=user,
        verb=Event.Verb.READINESS_CHECK_REMOVED,
        expected_version=expected_version,
    )
