"""Writes to the people directory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from readiness import bounds
from readiness.models import (
    Action,
    Condition,
    Event,
    Participant,
    Person,
    Release,
    ReminderSent,
    Session,
    Vote,
    name_key,
)
from readiness.services._core import StaleEdit, User, _create, _update, event_record, snapshot


@transaction.atomic
def person_get_or_create(
    *, user: User, name: str, title: str = "", email: str = "", as_of: dt.date | None = None
) -> Person:
    """The one Person of that name (case-insensitive), created if new.

    `as_of` is the date the title was seen (a meeting's date): an older document does not
    overwrite the title a newer one gave. Without it, the given title is taken as current.
    """
    # Cleaned before the name is looked up: PostgreSQL refuses a NUL even in a query.
    name = " ".join(bounds.clean_line(name).split())
    title = bounds.clean_line(title).strip()
    email = bounds.clean_line(email)
    if not name:
        raise ValidationError(_("A person needs a name."))
    person = Person.objects.select_for_update().filter(name__iexact=name).first()
    if person is None:
        return _create(
            Person(name=name, title=title, email=email.strip(), title_as_of=as_of),
            user=user,
            verb=Event.Verb.PERSON_CREATED,
        )
    changes: dict[str, Any] = {}
    newer = as_of is None or person.title_as_of is None or as_of >= person.title_as_of
    if title and title != person.title and newer:
        changes["title"] = title
    if title and newer and as_of is not None and as_of != person.title_as_of:
        changes["title_as_of"] = as_of
    if email.strip() and email.strip() != person.email:
        changes["email"] = email.strip()
    if changes:
        _update(
            person, user=user, verb=Event.Verb.PERSON_UPDATED, expected_version=None, **changes
        )
    return person


@transaction.atomic
def person_link_user(*, user: User, person: Person, login: AbstractBaseUser | None) -> Person:
    """Tie a Person to the login they use, so that their actions show up as theirs."""
    return _update(
        person,
        user=user,
        verb=Event.Verb.PERSON_LOGIN_LINKED,
        expected_version=None,
        user_id=(login.pk if login is not None else None),
    )


def person_split_label(label: str, title: str = "") -> tuple[str, str]:
    """Split "Ana Souza (SRE Lead)", as people type it, into a name and a title."""
    label = label.strip()
    if label.endswith(")") and "(" in label:
        base, _sep, rest = label.rpartition("(")
        if base.strip():
            return base.strip(), title or rest[:-1].strip()
    return label, title


def person_from_label(*, user: User, label: str, title: str = "") -> Person | None:
    """The person a form names ("Ana Souza (SRE Lead)"), created if new; None for blank.

    A name that differs from someone in the directory only by accents or case ("Julia
    Martins" for "Júlia Martins") names that person: a form never creates a near-duplicate.
    Callers run it inside the write that needs the person, so a refused write leaves no
    person behind.
    """
    if not label.strip():
        return None
    name, title = person_split_label(label, title)
    clean = " ".join(bounds.clean_line(name).split())
    if clean and not Person.objects.filter(name__iexact=clean).exists():
        same = Person.objects.filter(name_key=name_key(clean)).order_by("pk").first()
        if same is not None:
            name = same.name
    return person_get_or_create(user=user, name=name, title=title)


def _clean_name(name: str) -> str:
    name = " ".join(bounds.clean_line(name).split())
    if not name:
        raise ValidationError({"name": _("A person needs a name.")})
    return name


# `person_update` leaves the login as it is unless told otherwise.
UNCHANGED = object()


@transaction.atomic
def person_update(
    *,
    user: User,
    person: Person,
    expected_version: int | None,
    name: str,
    email: str = "",
    title: str = "",
    default_area: str = "",
    login: AbstractBaseUser | None | object = UNCHANGED,
) -> Person:
    """The directory's edit of a person: name, e-mail, title, the area they speak for and,
    when given (None unlinks), the login they sign in with."""
    name = _clean_name(name)
    if Person.objects.filter(name__iexact=name).exclude(pk=person.pk).exists():
        raise ValidationError(
            {"name": _("Someone else in the directory already has this name: merge them.")},
            code="duplicate",
        )
    title = bounds.clean_line(title).strip()
    changes: dict[str, Any] = {
        "name": name,
        "email": bounds.clean_line(email).strip(),
        "title": title,
        "default_area": " ".join(bounds.clean_line(default_area).split()),
    }
    if title != person.title:
        # A title given in the directory is the current one: newer than any minutes.
        changes["title_as_of"] = None
    if login is not UNCHANGED:
        login_id = login.pk if login is not None else None
        if login_id and Person.objects.filter(user_id=login_id).exclude(pk=person.pk).exists():
            raise ValidationError(
                {"login": _("This login already belongs to someone else in the directory.")}
            )
        changes["user_id"] = login_id
    return _update(
        person,
        user=user,
        verb=Event.Verb.PERSON_UPDATED,
        expected_version=expected_version,
        **changes,
    )


# What a merge moves, by the label its Event gives it.
_MOVED = (
    ("actions", Action, "owner"),
    ("conditions", Condition, "owner"),
    ("facilitated_sessions", Session, "facilitator"),
    ("product_owner_of", Release, "product_owner"),
)


@transaction.atomic
def person_merge(
    *, user: User, kept: Person, merged: Person, expected_version: int | None = None
) -> Person:
    """Make `merged` part of `kept`: everything that points at `merged` moves, then
    `merged` is deleted, and one Event on `kept` says what moved.

    Two participations of one session become one (the kept person's), with the votes of
    both; the merge is refused, and changes nothing, when both voted on one decision or
    both have a login.
    """
    if kept.pk == merged.pk:
        raise ValidationError({"merged": _("Choose someone other than the person kept.")})
    # Both rows locked, in one order, so two merges of the same pair cannot cross.
    pair = Person.objects.select_for_update().filter(pk__in=[kept.pk, merged.pk]).order_by("pk")
    rows = {p.pk: p for p in pair}
    if len(rows) != 2:
        raise ValidationError({"merged": _("This person is no longer in the directory.")})
    keep, drop = rows[kept.pk], rows[merged.pk]
    if expected_version is not None and keep.version != expected_version:
        raise StaleEdit(keep, expected_version)
    if keep.user_id and drop.user_id and keep.user_id != drop.user_id:
        raise ValidationError(
            {"merged": _("Both people have their own login; unlink one before merging.")}
        )
    theirs = list(Participant.objects.filter(person=drop))
    mine = {p.session_id: p for p in Participant.objects.filter(person=keep)}
    twins = [(p, mine[p.session_id]) for p in theirs if p.session_id in mine]
    for their_part, my_part in twins:
        voted = set(my_part.votes.values_list("decision_id", flat=True))
        if their_part.votes.filter(decision_id__in=voted).exists():
            raise ValidationError(
                {
                    "merged": _(
                        "Both voted on the same decision in %(session)s; they cannot be "
                        "one person."
                    )
                    % {"session": their_part.session}
                }
            )
    sessions = _sessions_touched(keep, drop)
    # Sessions before their records (the lock order); the live pages hear of it too.
    list(Session.objects.select_for_update().filter(pk__in=sessions).order_by("pk"))
    Session.objects.filter(pk__in=sessions).update(revision=F("revision") + 1)
    moved: dict[str, int] = {}
    for label, model, field in _MOVED:
        moved[label] = model.objects.filter(**{field: drop}).update(**{field: keep})
    moved["votes"] = 0
    for their_part, my_part in twins:
        moved["votes"] += Vote.objects.filter(participant=their_part).update(participant=my_part)
    twin_ids = [p.pk for p, _mine in twins]
    Participant.objects.filter(pk__in=twin_ids).delete()
    moved["participations"] = Participant.objects.filter(person=drop).update(person=keep)
    moved["participations_joined"] = len(twin_ids)
    days = set(ReminderSent.objects.filter(person=keep).values_list("day", flat=True))
    moved["reminders"] = (
        ReminderSent.objects.filter(person=drop).exclude(day__in=days).update(person=keep)
    )
    before = snapshot(keep)
    gained = _blanks_filled(keep, drop)
    login = drop.user_id
    drop_snapshot = {"id": drop.pk, **snapshot(drop)}
    drop.delete()
    if login and not keep.user_id:
        keep.user_id = login
        gained.append("user")
    if gained:
        keep.version += 1
        keep.save(update_fields=[*gained, "version"])
    event_record(
        user=user,
        verb=Event.Verb.PERSON_MERGED,
        obj=keep,
        before=before,
        after={**snapshot(keep), "merged": drop_snapshot, "moved": moved},
    )
    return keep


def _sessions_touched(keep: Person, drop: Person) -> set[int]:
    people = [keep.pk, drop.pk]
    ids = set(Participant.objects.filter(person__in=people).values_list("session_id", flat=True))
    ids |= set(Action.objects.filter(owner__in=people).values_list("session_id", flat=True))
    ids |= set(
        Condition.objects.filter(owner__in=people).values_list("decision__session_id", flat=True)
    )
    ids |= set(Session.objects.filter(facilitator__in=people).values_list("pk", flat=True))
    return ids


def _blanks_filled(keep: Person, drop: Person) -> list[str]:
    """The kept person's empty e-mail, title and area take the merged person's."""
    gained = []
    for name in ("email", "title", "default_area"):
        if not getattr(keep, name) and getattr(drop, name):
            setattr(keep, name, getattr(drop, name))
            gained.append(name)
    return gained
