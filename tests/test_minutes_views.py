"""The import page (upload, preview, confirm) and the Markdown and JSON downloads."""

import json
import re

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from readiness.forms import MINUTES_SALT
from readiness.minutes.parser import MAX_BYTES
from readiness.models import Person, Release
from tests.factories import join_team, make_busy_session
from tests.helpers import change_status, snapshot
from tests.test_minutes_parser import SAMPLE_TEXT

pytestmark = pytest.mark.django_db

IMPORT_URL = "/import/"
CONFIRM_URL = "/import/confirm/"
HTMX = {"HX-Request": "true"}


def upload(text: str | bytes = SAMPLE_TEXT, name: str = "billing.md") -> dict:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return {"file": SimpleUploadedFile(name, data, content_type="text/markdown")}


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


# --- Who may import -----------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    for url in (IMPORT_URL, CONFIRM_URL):
        response = client.get(url) if url == IMPORT_URL else client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", ["manager", "owner"])
def test_it_refuses_the_import_to_managers_and_owners(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, upload()).status_code == 403
    assert client.post(CONFIRM_URL, {"token": "x"}).status_code == 403
    assert not Release.objects.exists()


@pytest.mark.parametrize("role", ["facilitator", "admin_user"])
def test_it_shows_the_upload_form_to_facilitators_and_admins(client, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(IMPORT_URL)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert "HX-Request" in response["Vary"]


def test_it_shows_the_import_link_only_to_those_who_may_import(client, facilitator, manager):
    client.force_login(manager)
    assert 'href="/import/"' not in client.get("/releases/").text
    client.force_login(facilitator)
    assert 'href="/import/"' in client.get("/releases/").text


def test_it_answers_405_to_other_methods(client, facilitator):
    client.force_login(facilitator)
    assert client.put(IMPORT_URL).status_code == 405
    assert client.get(CONFIRM_URL).status_code == 405


def test_it_requires_the_csrf_token(facilitator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(facilitator)
    before = snapshot()
    assert client.post(IMPORT_URL, upload()).status_code == 403
    assert client.post(CONFIRM_URL, {"token": "x"}).status_code == 403
    before.assert_unchanged()


# --- Preview, then confirm ----------------------------------------------------------------


def test_it_previews_without_writing_and_imports_on_confirm(client, facilitator):
    client.force_login(facilitator)
    preview = client.post(IMPORT_URL, upload())
    assert preview.status_code == 200
    page = preview.text
    assert "Billing Gateway" in page and "2024-07-15-billing-gateway" in page
    assert '15 Jul 2024, 14:00 <abbr title="Brasília time">BRT</abbr>' in page
    assert "Marina Lopes" in page and "docs/roadmap-riscos.md" in page
    assert '<th scope="row">A4</th>' in page
    assert "New:" in page and "Júlia Martins" in page
    assert not Release.objects.exists() and not Person.objects.exclude(user=facilitator).exists()

    response = client.post(CONFIRM_URL, {"token": token_of(page)})
    assert response.status_code == 302
    assert response["Location"] == "/releases/2024-07-15-billing-gateway/"
    release = Release.objects.get()
    assert release.sessions.get().actions.count() == 5
    imported = release.events.get(verb="release.imported")
    assert imported.actor == facilitator and imported.after["source"] == "billing.md"
    assert "The minutes were imported." in client.get(response["Location"]).text


def test_it_previews_and_confirms_with_htmx(client, facilitator):
    client.force_login(facilitator)
    preview = client.post(IMPORT_URL, upload(), headers=HTMX)
    assert preview.status_code == 200
    assert preview.text.lstrip().startswith('<section id="minutes-import"')
    assert "<html" not in preview.text
    response = client.post(CONFIRM_URL, {"token": token_of(preview.text)}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/releases/2024-07-15-billing-gateway/"
    assert Release.objects.count() == 1


def test_it_says_when_the_release_exists_and_changes_nothing(client, facilitator, sample_release):
    join_team(facilitator, sample_release.team)  # the sample's team: theirs to replace
    client.force_login(facilitator)
    preview = client.post(IMPORT_URL, upload()).text
    assert "This release already exists" in preview
    assert 'name="replace"' in preview
    before = sample_release.events.count()
    response = client.post(CONFIRM_URL, {"token": token_of(preview)}, follow=True)
    assert "nothing was changed" in response.text
    assert Release.objects.get().events.count() == before


def test_it_replaces_on_request_and_refuses_when_the_release_changed(
    client, facilitator, sample_release
):
    join_team(facilitator, sample_release.team)  # the sample's team: theirs to replace
    client.force_login(facilitator)
    token = token_of(client.post(IMPORT_URL, upload()).text)
    response = client.post(CONFIRM_URL, {"token": token, "replace": "on"})
    assert response.status_code == 302
    release = Release.objects.get()
    assert release.pk != sample_release.pk
    action = release.sessions.get().actions.get(code="A1")
    change_status(facilitator, action, "done")
    preview = client.post(IMPORT_URL, upload()).text
    assert "changed in the app since it was imported" in preview
    assert 'name="replace"' not in preview
    before = snapshot(release)
    refused = client.post(CONFIRM_URL, {"token": token_of(preview), "replace": "on"}, headers=HTMX)
    assert refused.status_code == 422
    before.assert_unchanged()
    assert "changed in the app" in refused.text
    assert Release.objects.get().pk == release.pk


# --- Invalid uploads ----------------------------------------------------------------------

BAD_UPLOADS = {
    "not-minutes": (b"Just a note.\n", "Line 1: This is not a minutes document"),
    "no-date": (
        "# Readiness Meetings – Release 2024-07-15 X\n\n## Go/No-Go\n".encode(),
        "Line 3:",
    ),
    "bad-date": (
        "# Readiness Meetings – Release 2024-07-15 X\n\n## S – 2024-02-30 14:00 BRT\n".encode(),
        "Line 3: “2024-02-30” is not a date",
    ),
    "latin-1": ("# Release\nSessão\n".encode("latin-1"), "Line 2: The file is not UTF-8 text."),
    "too-big": (b"#" * (MAX_BYTES + 1), "larger than 1 MB"),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_it_gives_the_form_back_with_the_error_inline(client, facilitator, case):
    data, message = BAD_UPLOADS[case]
    client.force_login(facilitator)
    response = client.post(IMPORT_URL, upload(data))
    assert response.status_code == 422  # refused input is a 422, with or without HTMX
    assert "<html" in response.text and 'class="field-error"' in response.text
    assert message in response.text
    fragment = client.post(IMPORT_URL, upload(data), headers=HTMX)
    assert fragment.status_code == 422
    assert "<html" not in fragment.text and message in fragment.text
    assert not Release.objects.exists()


def test_it_asks_for_a_file(client, facilitator):
    client.force_login(facilitator)
    before = snapshot()
    response = client.post(IMPORT_URL, {}, headers=HTMX)
    assert response.status_code == 422
    assert "This field is required." in response.text
    before.assert_unchanged()


def test_it_refuses_an_altered_or_foreign_preview(client, facilitator, admin_user):
    client.force_login(facilitator)
    token = token_of(client.post(IMPORT_URL, upload()).text)
    response = client.post(CONFIRM_URL, {"token": token[:-2] + "xx"}, headers=HTMX)
    assert response.status_code == 422 and "expired or was altered" in response.text
    forged = signing.dumps({"text": "# x", "source": "x", "user": facilitator.pk}, salt="other")
    assert client.post(CONFIRM_URL, {"token": forged}).status_code == 422
    client.force_login(admin_user)
    response = client.post(CONFIRM_URL, {"token": token})
    assert "made by someone else" in response.text
    assert not Release.objects.exists()
    assert signing.loads(token, salt=MINUTES_SALT)["user"] == facilitator.pk


def test_it_shows_an_imported_script_as_text(client, facilitator):
    payload = "<script>alert('x')</script>"
    text = SAMPLE_TEXT.replace("validar readiness", f"{payload} validar").replace(
        "Relatório QA:", f"Relatório QA {payload}:"
    )
    client.force_login(facilitator)
    preview = client.post(IMPORT_URL, upload(text)).text
    assert payload not in preview
    client.post(CONFIRM_URL, {"token": token_of(preview)})
    page = client.get("/releases/2024-07-15-billing-gateway/").text
    assert payload not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; validar" in page


# --- Downloads ----------------------------------------------------------------------------

MD_URL = "/releases/2024-07-15-billing-gateway/minutes.md"
JSON_URL = "/releases/2024-07-15-billing-gateway/minutes.json"


def test_the_release_page_links_to_both_downloads(client, manager, sample_release):
    client.force_login(manager)
    page = client.get(sample_release.get_absolute_url()).text
    assert f'href="{MD_URL}"' in page and f'href="{JSON_URL}"' in page


def test_it_downloads_the_minutes_as_markdown_and_json(client, any_role, sample_release):
    client.force_login(any_role)
    markdown = client.get(MD_URL)
    assert markdown.status_code == 200
    assert markdown["Content-Type"] == "text/markdown; charset=utf-8"
    assert 'filename="2024-07-15-billing-gateway.md"' in markdown["Content-Disposition"]
    assert markdown.content.decode().startswith("# Readiness Meetings – Release 2024-07-15")
    data = client.get(JSON_URL)
    assert data["Content-Type"] == "application/json"
    assert json.loads(data.content)["release"]["slug"] == "2024-07-15-billing-gateway"


def test_the_downloads_need_a_login_a_get_and_a_release(client, manager, sample_release):
    assert client.get(MD_URL).status_code == 302
    client.force_login(manager)
    assert client.post(MD_URL).status_code == 405
    assert client.post(JSON_URL).status_code == 405
    assert client.get("/releases/2099-01-01-nothing/minutes.json").status_code == 404


def _release_with(n: int) -> Release:
    return make_busy_session(n).release


@pytest.mark.parametrize("suffix", ["minutes.md", "minutes.json"])
def test_the_downloads_make_the_same_queries_for_3_and_100_actions(
    client, manager, django_assert_max_num_queries, suffix
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, large = _release_with(3), _release_with(100)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(f"/releases/{small.slug}/{suffix}").status_code == 200
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        response = client.get(f"/releases/{large.slug}/{suffix}")
    assert response.content.decode().count("Doc ") == 100


def test_it_previews_and_imports_a_json_export_of_the_old_schema(client, facilitator):
    from readiness import services
    from readiness.minutes.exporter import release_as_dict
    from tests.test_minutes_export import as_version_1, load

    old = as_version_1(release_as_dict(load(SAMPLE_TEXT)))
    for release in Release.objects.all():
        services.release_delete(user=None, release=release, record={})
    client.force_login(facilitator)
    preview = client.post(IMPORT_URL, upload(json.dumps(old), name="billing.json"))
    assert preview.status_code == 200
    assert "Billing Gateway" in preview.text and "Júlia Martins" in preview.text
    assert not Release.objects.exists()
    response = client.post(CONFIRM_URL, {"token": token_of(preview.text)})
    assert response.status_code == 302
    decision = Release.objects.get().sessions.get().current_decision
    assert decision.outcome == "conditional_go" and decision.conditions.count() == 2


def test_it_shows_a_json_error_on_the_upload_form(client, facilitator):
    client.force_login(facilitator)
    response = client.post(IMPORT_URL, upload('{"schema_version": "1.0",', name="x.json"))
    assert response.status_code == 422
    assert "The JSON cannot be read" in response.text
    assert not Release.objects.exists()
