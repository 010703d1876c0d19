"""Webhooks: facilitators and admins register URLs told about release events, and read
every delivery attempt with its response code."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from readiness import services
from readiness.forms import WebhookForm
from readiness.permissions import (
    check_can_manage_webhooks,
    get_webhook_for_user,
    webhooks_for_user,
)
from readiness.views import HtmxHttpRequest, wants_fragment

DELIVERIES_SHOWN = 100
# The signing secret survives the redirect after creation in the session, for one view.
NEW_SECRET_KEY = "readiness_new_webhook_secret"


def _render_list(request: HtmxHttpRequest, form: WebhookForm, status: int = 200) -> HttpResponse:
    template = "readiness/webhook_list.html"
    if wants_fragment(request):
        template += "#webhook-form"
    webhooks = webhooks_for_user(request.user).order_by("-created_at", "-pk")
    return render(request, template, {"form": form, "webhooks": webhooks}, status=status)


@require_GET
@vary_on_headers("HX-Request")
def webhook_list(request: HtmxHttpRequest) -> HttpResponse:
    check_can_manage_webhooks(request.user)
    return _render_list(request, WebhookForm(user=request.user))


@require_POST
def webhook_create(request: HtmxHttpRequest) -> HttpResponse:
    check_can_manage_webhooks(request.user)
    form = WebhookForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            webhook = services.webhook_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session[NEW_SECRET_KEY] = {"id": webhook.pk, "secret": webhook.secret}
            if request.htmx:
                return HttpResponseClientRedirect(webhook.get_absolute_url())
            return redirect(webhook)
    return _render_list(request, form, status=422)


@require_GET
@never_cache
@vary_on_headers("HX-Request")
def webhook_detail(request: HtmxHttpRequest, webhook_id: int) -> HttpResponse:
    webhook = get_webhook_for_user(request.user, webhook_id)
    new_secret = request.session.get(NEW_SECRET_KEY)
    if new_secret and new_secret.get("id") == webhook.pk:
        del request.session[NEW_SECRET_KEY]
    else:
        new_secret = None
    deliveries = webhook.deliveries.order_by("-created_at", "-pk")[:DELIVERIES_SHOWN]
    template = "readiness/webhook_detail.html"
    if wants_fragment(request):
        template += "#delivery-log"
    context = {
        "webhook": webhook,
        "deliveries": deliveries,
        "new_secret": new_secret and new_secret["secret"],
        "deliveries_shown": DELIVERIES_SHOWN,
    }
    return render(request, template, context)


@require_POST
def webhook_delete(request: HtmxHttpRequest, webhook_id: int) -> HttpResponse:
    webhook = get_webhook_for_user(request.user, webhook_id)
    url = webhook.url
    services.webhook_delete(user=request.user, webhook=webhook)
    messages.success(request, _("The webhook to %(url)s is removed.") % {"url": url})
    if request.htmx:
        return HttpResponseClientRedirect(reverse("webhooks:list"))
    return redirect("webhooks:list")
