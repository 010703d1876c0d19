"""Sign-off outside the session page: the e-mailed link, and the policies' pages."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from readiness import forms, permissions, services, signoff_mail
from readiness.models import Decision, Participant, Policy, Release, SignOff, Team
from readiness.views import HtmxHttpRequest, answers

LINK_PAGE = "readiness/signoff_link.html"
POLICY_PAGE = "readiness/policy_edit.html"


def _link_refused(request: HtmxHttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, LINK_PAGE, {"refused": message}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def signoff_link(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: signed, expiring, single use, and only for the approver it names
    (logged in as themselves); anything else is refused and nothing is written."""
    try:
        data = signoff_mail.link_read(token)
    except signing.SignatureExpired:
        return _link_refused(request, _("This sign-off link has expired."), 410)
    except signing.BadSignature:
        return _link_refused(request, _("This sign-off link is not valid."), 400)
    decision = get_object_or_404(
        Decision.objects.select_related("session__release", "session__facilitator"),
        pk=data["d"],
    )
    participant = get_object_or_404(
        Participant.objects.select_related("person"), pk=data["p"], session_id=decision.session_id
    )
    if participant.person.user_id != request.user.pk:
        raise PermissionDenied(_("This link is for another approver."))
    if SignOff.objects.filter(link_nonce=data["n"]).exists():
        return _link_refused(request, _("This link was already used."), 410)
    form = forms.SignOffForm(request.POST or None)
    context: dict[str, Any] = {
        "refused": "",
        "decision": decision,
        "participant": participant,
        "form": form,
        "token": token,
    }
    if request.method == "GET":
        return render(request, LINK_PAGE, context)
    outcome = answers.submit(
        form,
        lambda cleaned: services.signoff_record(
            user=request.user,
            decision=decision,
            participant=participant,
            verdict=cleaned["verdict"],
            comment=cleaned["comment"],
            link_nonce=data["n"],
        ),
    )
    if not outcome.ok:
        return render(request, LINK_PAGE, context, status=outcome.status)
    return redirect(f"{decision.session.get_absolute_url()}#signoff")


def _policy_page(
    request: HtmxHttpRequest,
    release: Release | None,
    policy: Policy,
    done_url: str,
    team: Team | None = None,
) -> HttpResponse:
    locked = release is not None and Decision.objects.filter(session__release=release).exists()
    form = forms.PolicyForm(request.POST) if request.method == "POST" else None
    form = form or forms.PolicyForm.for_policy(policy)
    status = 200
    if request.method == "POST":
        outcome = answers.submit(
            form,
            lambda data: services.policy_update(
                user=request.user,
                release=release,
                team=team,
                expected_version=data["version"] if policy.pk else None,
                required_areas=form.areas(),
                rule=data["rule"],
                quorum=data["quorum"],
                owner_not_sole_approver=data["owner_not_sole_approver"],
                go_valid_days=data["go_valid_days"],
            ),
        )
        if outcome.ok:
            return redirect(done_url)
        status = outcome.status
    context = {
        "release": release,
        "team": team,
        "policy": policy,
        "form": form,
        "locked": locked,
    }
    return render(request, POLICY_PAGE, context, status=status)


@require_http_methods(["GET", "POST"])
def policy_edit(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The release's sign-off policy, adjustable until its first decision."""
    release = permissions.get_release_for_manager(request.user, slug)
    policy = Policy.objects.filter(release=release).first() or Policy.for_release(release)
    if policy.release_id != release.pk:
        # Shown as the default it follows; saving gives the release its own.
        policy = Policy(**{f: getattr(policy, f) for f in services.POLICY_FIELDS})
    return _policy_page(request, release, policy, release.get_absolute_url())


@require_http_methods(["GET", "POST"])
def site_policy_edit(request: HtmxHttpRequest) -> HttpResponse:
    """The site's default policy, which new releases copy: administrators only."""
    permissions.check_can_set_site_policy(request.user)
    policy = Policy.objects.filter(release__isnull=True, team__isnull=True).first() or Policy()
    return _policy_page(request, None, policy, "/")


@require_http_methods(["GET", "POST"])
def team_policy_edit(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The team's default policy, which its new releases copy: its facilitators'."""
    team = permissions.get_team_for_manager(request.user, slug)
    policy = Policy.objects.filter(release__isnull=True, team=team).first()
    if policy is None:
        # Shown as the site's default it follows until the team saves its own.
        site = Policy.objects.filter(release__isnull=True, team__isnull=True).first()
        policy = (
            Policy(**{f: getattr(site, f) for f in services.POLICY_FIELDS}) if site else Policy()
        )
    return _policy_page(request, None, policy, team.get_absolute_url(), team=team)
