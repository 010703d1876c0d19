"""The user's settings: API tokens for the pipelines and tools that act as them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from readiness import services
from readiness.forms import ApiTokenForm
from readiness.models import ApiToken
from readiness.permissions import can_manage_api_token
from readiness.views import HtmxHttpRequest, wants_fragment

# The new token survives the redirect after its creation in the session, for one page view.
NEW_TOKEN_KEY = "readiness_new_token"


def _get_token_for_user(request: HtmxHttpRequest, token_id: int) -> ApiToken:
    """The user's own token, or 404: other people's tokens do not exist for them."""
    api_token = get_object_or_404(ApiToken, pk=token_id)
    if not can_manage_api_token(request.user, api_token):
        raise Http404
    return api_token


def _render(
    request: HtmxHttpRequest,
    form: ApiTokenForm,
    *,
    new_token: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    template = "readiness/settings_tokens.html"
    if wants_fragment(request):
        template += "#token-panel"
    tokens = request.user.api_tokens.select_related("release")
    context = {"form": form, "tokens": tokens, "new_token": new_token}
    return render(request, template, context, status=status)


@require_GET
@never_cache
@vary_on_headers("HX-Request")
def token_list(request: HtmxHttpRequest) -> HttpResponse:
    return _render(request, ApiTokenForm(), new_token=request.session.pop(NEW_TOKEN_KEY, None))


@require_POST
@never_cache
def token_create(request: HtmxHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            api_token, token = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                release=form.cleaned_data["release"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            new_token = {"name": api_token.name, "value": token}
            if request.htmx:
                return _render(request, ApiTokenForm(), new_token=new_token)
            request.session[NEW_TOKEN_KEY] = new_token
            return redirect("settings:tokens")
    return _render(request, form, status=422 if request.htmx else 200)


@require_POST
def token_revoke(request: HtmxHttpRequest, token_id: int) -> HttpResponse:
    api_token = _get_token_for_user(request, token_id)
    if api_token.is_active:
        services.api_token_revoke(user=request.user, api_token=api_token)
    if request.htmx:
        return _render(request, ApiTokenForm())
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": api_token.name})
    return redirect("settings:tokens")
