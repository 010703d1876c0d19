"""How a form view answers, in one place, whatever the form.

- Invalid input: 422 and the form again with the person's input kept and the errors next
  to it, as the region an HTMX request asked for, or as the whole page after a plain POST.
- Stale (someone else saved first): 409, the same, with the other person's change shown;
  the form now carries the current version, so saving it again applies it on purpose.
- Success: to HTMX, the region that changed (a row, or a section after an addition) with
  HX-Trigger events for whatever depends on it; to a plain POST, a redirect (PRG).

A view validates its form, calls one service through `submit`, and hands the outcome to
`refused` or `saved`. How a region is drawn stays with the view: it passes a function
that returns the template and context, so a refusal and a success draw it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import trigger_client_event

from readiness import services
from readiness.models import Event
from readiness.views import HtmxHttpRequest, wants_fragment

# A template name (with `#partial` for a region) and its context.
Drawing = tuple[str, dict[str, Any]]


@dataclass
class Outcome:
    """What became of a submitted form: saved (with the service's result) or refused."""

    form: forms.Form
    ok: bool
    result: Any = None
    # For a stale save: the other person's change, as the notice shows it.
    stale: dict[str, Any] | None = None

    @property
    def status(self) -> int:
        return 409 if self.stale is not None else 422


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal, shown on the fields it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def their_change(obj: Any) -> Event | None:
    """The latest Event about `obj`: what the other person changed."""
    return (
        Event.objects.filter(subject_type=obj._meta.model_name, subject_id=obj.pk)
        .order_by("-created_at", "-pk")
        .first()
    )


def _stale(form: forms.Form, stale: services.StaleEdit, where: str) -> Outcome:
    data = form.data.copy()
    data["version"] = stale.obj.version
    # A form built with more than its data (whose choices depend on the user) says how
    # to build it again.
    fresh = form.with_data(data) if hasattr(form, "with_data") else type(form)(data)
    fresh.is_valid()
    fresh.add_error(None, str(stale))
    return Outcome(fresh, ok=False, stale={"event": their_change(stale.obj), "section": where})


def submit(form: forms.Form, write: Callable[[dict], Any], *, where: str = "") -> Outcome:
    """Validate, then call the service; its refusals land on the form.

    `where` names the region whose notice shows a stale save (a section or a row id).
    """
    if not form.is_valid():
        return Outcome(form, ok=False)
    try:
        result = write(form.cleaned_data)
    except services.StaleEdit as stale:
        return _stale(form, stale, where)
    except ValidationError as error:
        add_errors(form, error)
        return Outcome(form, ok=False)
    return Outcome(form, ok=True, result=result)


def attempt(write: Callable[[], Any], *, where: str) -> dict[str, Any] | None:
    """A one-button write with nothing to type: its refusal, as a notice, or None."""
    try:
        write()
    except ValidationError as error:
        return {"section": where, "messages": error.messages}
    return None


def refused(
    request: HtmxHttpRequest,
    *,
    status: int,
    region: Callable[[], Drawing],
    page: Callable[[], Drawing],
) -> HttpResponse:
    """The form again with its input: the region to HTMX, the whole page otherwise."""
    template, context = region() if wants_fragment(request) else page()
    return render(request, template, context, status=status)


def saved(
    request: HtmxHttpRequest,
    *,
    redirect_to: str,
    region: Callable[[], Drawing],
    events: Iterable[str] = (),
) -> HttpResponse:
    """Post/Redirect/Get without JavaScript; with it, the changed region and its events."""
    if not request.htmx:
        return redirect(redirect_to)
    template, context = region()
    response = render(request, template, context)
    for event in events:
        trigger_client_event(response, event)
    return response
