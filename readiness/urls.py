"""URL routes of Readiness."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from readiness import api
from readiness.views import (
    accounts,
    audit,
    core,
    freezes,
    history,
    me,
    minutes,
    people,
    releases,
    sessions,
    signoffs,
    sso,
    teams,
    webhooks,
)
from readiness.views import settings as user_settings

release_patterns = (
    [
        path("", history.release_list, name="list"),
        path("new/", sessions.release_create, name="create"),
        path("export.csv", history.release_export_csv, name="export_csv"),
        path("<slug:slug>/", releases.release_detail, name="detail"),
        path("<slug:slug>/edit/", releases.release_edit, name="edit"),
        path("<slug:slug>/cancel/", releases.release_cancel, name="cancel"),
        path("<slug:slug>/delete/", releases.release_delete, name="delete"),
        path("<slug:slug>/deployments/add", releases.deployment_add, name="deployment_add"),
        path("<slug:slug>/dossier/", history.release_dossier, name="dossier"),
        path("<slug:slug>/policy/", signoffs.policy_edit, name="policy"),
        path("<slug:slug>/minutes.md", minutes.release_minutes_md, name="minutes_md"),
        path("<slug:slug>/minutes.json", minutes.release_minutes_json, name="minutes_json"),
        path("<slug:slug>/events.csv", audit.release_events_csv, name="events_csv"),
        path("<slug:slug>/events.jsonl", audit.release_events_jsonl, name="events_jsonl"),
        path("<slug:slug>/override", freezes.override_grant, name="override"),
        path(
            "<slug:slug>/overrides/<int:override_id>/revoke",
            freezes.override_revoke,
            name="override_revoke",
        ),
    ],
    "releases",
)
insight_patterns = ([path("", history.insights_index, name="index")], "insights")
action_patterns = ([path("export.csv", history.action_export_csv, name="export_csv")], "actions")

S = "<slug:slug>/sessions/<int:pk>/"
session_patterns = (
    [
        path("<slug:slug>/sessions/new/", sessions.session_create, name="create"),
        path(S, sessions.session_detail, name="detail"),
        path(f"{S}live", sessions.session_live, name="live"),
        path(f"{S}projector", sessions.session_projector, name="projector"),
        path(f"{S}edit", sessions.session_edit, name="edit"),
        path(f"{S}start", sessions.session_start, name="start"),
        path(f"{S}close", sessions.session_close, name="close"),
        path(f"{S}save-template", sessions.template_save, name="save_template"),
        path(f"{S}participants/add", sessions.participant_add, name="participant_add"),
        path(
            f"{S}participants/<int:item>/edit", sessions.participant_edit, name="participant_edit"
        ),
        path(
            f"{S}participants/<int:item>/remove",
            sessions.participant_remove,
            name="participant_remove",
        ),
        path(
            f"{S}participants/<int:item>/attendance",
            sessions.participant_attendance,
            name="participant_attendance",
        ),
        path(f"{S}agenda/add", sessions.agenda_item_add, name="agenda_add"),
        path(f"{S}agenda/<int:item>/edit", sessions.agenda_item_edit, name="agenda_edit"),
        path(f"{S}agenda/<int:item>/delete", sessions.agenda_item_delete, name="agenda_delete"),
        path(f"{S}agenda/<int:item>/move", sessions.agenda_item_move, name="agenda_move"),
        path(f"{S}agenda/<int:item>/discuss", sessions.agenda_item_discuss, name="agenda_discuss"),
        path(
            f"{S}agenda/<int:item>/discussed",
            sessions.agenda_item_discussed,
            name="agenda_discussed",
        ),
        path(f"{S}checks/add", sessions.check_add, name="check_add"),
        path(f"{S}checks/<int:item>/edit", sessions.check_edit, name="check_edit"),
        path(f"{S}checks/<int:item>/remove", sessions.check_remove, name="check_remove"),
        path(f"{S}checklist/add", sessions.checklist_item_add, name="checklist_add"),
        path(f"{S}checklist/<int:item>/edit", sessions.checklist_item_edit, name="checklist_edit"),
        path(
            f"{S}checklist/<int:item>/exempt",
            sessions.checklist_item_exempt,
            name="checklist_exempt",
        ),
        path(f"{S}decision", sessions.decision_record, name="decision_record"),
        path(f"{S}decision/ballot", sessions.decision_ballot, name="decision_ballot"),
        path(f"{S}decision/signoff", sessions.signoff_record, name="signoff"),
        path(f"{S}actions/add", sessions.action_add, name="action_add"),
        path(f"{S}actions/<int:item>/edit", sessions.action_edit, name="action_edit"),
        path(f"{S}actions/<int:item>/cancel", sessions.action_cancel, name="action_cancel"),
        path(f"{S}actions/<int:item>/status", sessions.action_status, name="action_status"),
        path(
            f"{S}conditions/<int:item>/satisfy",
            sessions.condition_satisfy,
            name="condition_satisfy",
        ),
        path(f"{S}conditions/<int:item>/edit", sessions.condition_edit, name="condition_edit"),
        path(f"{S}review-done", sessions.review_done, name="review_done"),
        path(f"{S}send-minutes", sessions.minutes_send, name="minutes_send"),
        path(f"{S}invite.ics", sessions.session_invite, name="invite"),
        path(f"{S}evidence/add", sessions.evidence_add, name="evidence_add"),
        path(f"{S}evidence/<int:item>/verify", sessions.evidence_verify, name="evidence_verify"),
        path(f"{S}evidence/<int:item>/edit", sessions.evidence_edit, name="evidence_edit"),
        path(f"{S}evidence/<int:item>/remove", sessions.evidence_remove, name="evidence_remove"),
        path(f"{S}addenda/add", sessions.addendum_add, name="addendum_add"),
        path(f"{S}<str:kind>/<int:item>/row", sessions.row_closed, name="row"),
        path(f"{S}actions/<int:item>/open", sessions.action_open, name="action_open"),
    ],
    "sessions",
)

minutes_patterns = (
    [
        path("", minutes.minutes_import, name="import"),
        path("confirm/", minutes.minutes_import_confirm, name="import_confirm"),
    ],
    "minutes",
)

people_patterns = (
    [
        path("", people.person_list, name="list"),
        path("<int:pk>/", people.person_detail, name="detail"),
        path("<int:pk>/edit", people.person_edit, name="edit"),
        path("<int:pk>/merge", people.person_merge, name="merge"),
    ],
    "people",
)

team_patterns = (
    [
        path("", teams.team_list, name="list"),
        path("new/", teams.team_create, name="create"),
        path("<slug:slug>/", teams.team_detail, name="detail"),
        path("<slug:slug>/edit/", teams.team_edit, name="edit"),
        path("<slug:slug>/policy/", signoffs.team_policy_edit, name="policy"),
        path("<slug:slug>/members/add", teams.member_add, name="member_add"),
        path("<slug:slug>/members/invite", teams.member_invite, name="member_invite"),
        path("<slug:slug>/members/<int:pk>/edit", teams.member_edit, name="member_edit"),
        path("<slug:slug>/members/<int:pk>/remove", teams.member_remove, name="member_remove"),
    ],
    "teams",
)

me_patterns = (
    [
        path("", me.me_home, name="home"),
        path("actions/<int:pk>/status", me.action_status, name="action_status"),
        path("conditions/<int:pk>/satisfy", me.condition_satisfy, name="condition_satisfy"),
        path("reviews/<int:pk>/done", me.review_done, name="review_done"),
        path("signoffs/<int:pk>", me.signoff, name="signoff"),
        path("feed/<str:token>.ics", me.feed, name="feed"),
    ],
    "me",
)

settings_patterns = (
    [
        path("", user_settings.settings_index, name="index"),
        path("feed/", user_settings.feed_regenerate, name="feed_regenerate"),
        path("tokens/", user_settings.token_list, name="tokens"),
        path("tokens/create/", user_settings.token_create, name="token_create"),
        path("tokens/<int:token_id>/revoke/", user_settings.token_revoke, name="token_revoke"),
    ],
    "settings",
)

webhook_patterns = (
    [
        path("", webhooks.webhook_list, name="list"),
        path("create/", webhooks.webhook_create, name="create"),
        path("<int:webhook_id>/", webhooks.webhook_detail, name="detail"),
        path("<int:webhook_id>/delete/", webhooks.webhook_delete, name="delete"),
    ],
    "webhooks",
)

freeze_patterns = (
    [
        path("", freezes.freeze_list, name="list"),
        path("create/", freezes.freeze_create, name="create"),
        path("<int:pk>/edit/", freezes.freeze_edit, name="edit"),
        path("<int:pk>/delete/", freezes.freeze_delete, name="delete"),
        path("feed.ics", freezes.freeze_feed, name="feed"),
        path("feed/<str:token>.ics", freezes.freeze_feed_token, name="feed_token"),
    ],
    "freezes",
)

# allauth's views that a sign-in reaches, by the names allauth reverses; its own login,
# sign-up and account pages are not mounted.
sso_patterns = [
    path("<str:provider_id>/login/", sso.oidc_login, name="openid_connect_login"),
    path("<str:provider_id>/login/callback/", sso.oidc_callback, name="openid_connect_callback"),
    path("cancelled/", sso.sign_in_stopped, name="socialaccount_login_cancelled"),
    path("signup/", sso.sign_in_stopped, name="socialaccount_signup"),
    path("inactive/", sso.sign_in_stopped, name="account_inactive"),
    path("login/", sso.to_login, name="account_login"),
]

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("releases/", include(release_patterns)),
    path("releases/", include(session_patterns)),
    path("people/search", sessions.people_search, name="people_search"),
    path("people/", include(people_patterns)),
    path("teams/", include(team_patterns)),
    path("import/", include(minutes_patterns)),
    path("me/", include(me_patterns)),
    path("settings/", include(settings_patterns)),
    path("webhooks/", include(webhook_patterns)),
    path("freezes/", include(freeze_patterns)),
    path("policy/", signoffs.site_policy_edit, name="site_policy"),
    path("signoff/<str:token>/", signoffs.signoff_link, name="signoff_link"),
    path("api/", api.urls()),
    path("insights/", include(insight_patterns)),
    path("actions/", include(action_patterns)),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on (django-allauth) under sso/, beside Django's own login, which stays
    # where it was: the identity provider returns to sso/oidc/login/callback/.
    path("sso/", include(sso_patterns)),
    # The logged-out language switcher posts here; a login chooses in Settings instead.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]

# With the database down, pages, HTMX writes and the API each get a 503 they understand.
handler500 = "readiness.views.errors.server_error"
