"""The user's settings: e-mail language, reminders, the calendar feed, and API tokens."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from readiness import services
from readiness.forms import ApiTokenForm, UserSettingsForm
from readiness.forms.base import COMMON_TIME_ZONES
from readiness.middleware import remember_language, remember_time_zone
from readiness.models import UserSettings
from readiness.permissions import get_api_token_for_user
from readiness.views import HtmxHttpRequest, wants_fragment

# The new token survives the redirect after its creation in the session, for one page view.
NEW_TOKEN_KEY = "readiness_new_token"
# Likewise the new calendar feed address, shown once since only its hash is kept.
NEW_FEED_KEY = "readiness_new_feed"
SETTINGS_TEMPLATE = "readiness/settings.html"


def _settings_page(
    request: HtmxHttpRequest,
    form: UserSettingsForm,
    *,
    region: str = "preferences",
    new_feed_url: str = "",
    saved: bool = False,
    status: int = 200,
) -> HttpResponse:
    template = f"{SETTINGS_TEMPLATE}#{region}" if wants_fragment(request) else SETTINGS_TEMPLATE
    context = {
        "form": form,
        "user_settings": UserSettings.for_user(request.user),
        "new_feed_url": new_feed_url,
        "saved": saved,
        "common_time_zones": COMMON_TIME_ZONES,
    }
    return render(request, template, context, status=status)


def _settings_form(request: HtmxHttpRequest) -> UserSettingsForm:
    current = UserSettings.for_user(request.user)
    return UserSettingsForm(
        initial={
            "language": current.language,
            "reminders": current.reminders,
            "time_zone": current.time_zone,
        }
    )


@require_http_methods(["GET", "POST"])
@never_cache
@vary_on_headers("HX-Request")
def settings_index(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _settings_page(
            request, _settings_form(request), new_feed_url=request.session.pop(NEW_FEED_KEY, "")
        )
    form = UserSettingsForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, form, status=422)
    services.user_settings_update(
        user=request.user,
        language=form.cleaned_data["language"],
        reminders=form.cleaned_data["reminders"],
        time_zone=form.cleaned_data["time_zone"],
    )
    remember_language(request, form.cleaned_data["language"])
    remember_time_zone(request, form.cleaned_data["time_zone"])
    if not request.htmx:
        messages.success(request, _("Your settings are saved."))
        return redirect("settings:index")
    return _settings_page(request, _settings_form(request), saved=True)


@require_POST
@never_cache
def feed_regenerate(request: HtmxHttpRequest) -> HttpResponse:
    """A new feed address; the old one answers 404 from now on."""
    token = services.feed_token_regenerate(user=request.user)
    url = request.build_absolute_uri(reverse("me:feed", args=[token]))
    if not request.htmx:
        request.session[NEW_FEED_KEY] = url
        return redirect("settings:index")
    return _settings_page(request, _settings_form(request), region="feed", new_feed_url=url)


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
    return _render(
        request,
        ApiTokenForm(user=request.user),
        new_token=request.session.pop(NEW_TOKEN_KEY, None),
    )


@require_POST
@never_cache
def token_create(request: HtmxHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST, user=request.user)
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
                return _render(request, ApiTokenForm(user=request.user), new_token=new_token)
            request.session[NEW_TOKEN_KEY] = new_token
            return redirect("settings:tokens")
    return _render(request, form, status=422)


@require_POST
def token_revoke(request: HtmxHttpRequest, token_id: int) -> HttpResponse:
    api_token = get_api_token_for_user(request.user, token_id)
    if api_token.is_active:
        services.api_token_revoke(user=request.user, api_token=api_token)
    if request.htmx:
        return _render(request, ApiTokenForm(user=request.user))
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": api_token.name})
    return redirect("settings:tokens")
