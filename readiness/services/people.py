"""Writes to the people directory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from readiness import bounds
from readiness.models import (
    Event,
    Person,
)
from readiness.services._core import User, _create, _update


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

    Callers run it inside the write that needs the person, so a refused write leaves no
    person behind.
    """
    if not label.strip():
        return None
    name, title = person_split_label(label, title)
    return person_get_or_create(user=user, name=name, title=title)
