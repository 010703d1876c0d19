"""Dates, times and zones in each language, the logged-out language switcher, and the
language every page and every release's own text is marked with."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone, translation

from readiness import services, timefmt
from readiness.models import Person, Release, UserSettings
from readiness.reports.history import HistoryFilterForm
from readiness.templatetags.readiness import _moment_html as moments
from readiness.templatetags.readiness import when
from tests.factories import make_action, make_release, make_session

SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")
UTC = zoneinfo.ZoneInfo("UTC")
# 14:00 in São Paulo on the day of the sample meeting.
MEETING = dt.datetime(2024, 7, 15, 17, 0, tzinfo=dt.UTC)
EN = {"Accept-Language": "en"}
PT = {"Accept-Language": "pt-BR"}

# Strings of the interface in English and their pt-BR counterparts, by the page they are on.
# Each page must show its language's string and none of the other's.
EVERY_PAGE = [("My work", "Meu trabalho"), ("Log out", "Sair"), ("Skip to content", "Pular")]
KNOWN = {
    "releases": [("Planned for", "Planejada para"), ("Download these releases", "Baixar estas")],
    "release": [("Deploy window", "Janela de deploy"), ("Objective:", "Objetivo:")],
    "session": [("Participants", "Participantes"), ("Timeline", "Linha do tempo")],
    "dossier": [("Dossier drawn up", "Dossiê gerado em"), ("Objective:", "Objetivo:")],
    "me": [("Recently closed", "Encerrados recentemente")],
    "insights": [("Outcomes per month", "Resultados por mês")],
    "settings": [("Language of the pages", "Idioma das páginas")],
}
LOGIN_PAGE = [("Log in to Readiness", "Entrar no Readiness"), ("Language:", "Idioma:")]


def text_of(html: str) -> str:
    """What a reader sees: the markup gone, the spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)">', html).group(1)


# --- Formatting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [("pt-br", "15/07/2024 14:00 BRT"), ("en", "15 Jul 2024, 14:00 BRT")],
)
def test_it_writes_a_time_as_its_language_does_with_its_zone(language, expected):
    with translation.override(language), timezone.override(SAO_PAULO):
        assert timefmt.moment_text(MEETING, SAO_PAULO) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("pt-br", "16/07/2024"), ("en", "16 Jul 2024")],
)
def test_it_writes_a_date_as_its_language_does(language, expected):
    with translation.override(language):
        assert timefmt.day_text(dt.date(2024, 7, 16)) == expected


def test_a_date_formatted_once_keeps_each_language_s_text():
    # Each date's text is remembered: per language, so that readers in turns each get
    # their own, and a datetime reads as its date.
    day = dt.date(2024, 12, 3)
    for _ in range(2):
        for language, expected in [("en", "3 Dec 2024"), ("pt-br", "03/12/2024")]:
            with translation.override(language):
                assert timefmt.day_text(day) == expected
                assert timefmt.day_text(dt.datetime(2024, 12, 3, 23, 30)) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("pt-br", "15/07/2024 14:00 BRT (17:00 UTC)"), ("en", "15 Jul 2024, 14:00 BRT (17:00 UTC)")],
)
def test_it_adds_the_reader_s_time_when_their_zone_differs(language, expected):
    with translation.override(language), timezone.override(UTC):
        assert timefmt.moment_text(MEETING, SAO_PAULO) == expected


def test_the_reader_s_time_carries_its_date_when_the_day_differs():
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    with translation.override("pt-br"), timezone.override(SAO_PAULO):
        assert timefmt.moment_text(MEETING, tokyo) == "16/07/2024 02:00 JST (15/07/2024 14:00 BRT)"


@pytest.mark.parametrize(
    ("zone", "name"),
    [
        ("America/Sao_Paulo", "BRT"),
        ("America/Recife", "BRT"),
        ("UTC", "UTC"),
        ("Etc/UTC", "UTC"),
        ("Europe/Lisbon", "WEST"),
        ("America/New_York", "EDT"),
        # The zone database names this one only by its offset ("-03").
        ("America/Argentina/Buenos_Aires", "UTC\u221203:00"),
        ("Asia/Kathmandu", "UTC+05:45"),
    ],
)
def test_it_names_each_zone_in_words_people_know(zone, name):
    assert timefmt.zone_name(MEETING.astimezone(zoneinfo.ZoneInfo(zone))) == name


def test_brasilia_summer_time_is_named_too():
    december_2018 = dt.datetime(2018, 12, 1, 15, 0, tzinfo=dt.UTC).astimezone(SAO_PAULO)
    assert timefmt.zone_name(december_2018) == "BRST"


def test_the_same_offset_elsewhere_adds_no_second_time():
    buenos_aires = zoneinfo.ZoneInfo("America/Argentina/Buenos_Aires")
    with translation.override("en"), timezone.override(SAO_PAULO):
        assert timefmt.moment_text(MEETING, buenos_aires) == "15 Jul 2024, 14:00 UTC\u221203:00"


def test_the_when_tag_spells_brasilia_time_out_in_the_page_s_language():
    with translation.override("pt-br"), timezone.override(UTC):
        html = str(when(MEETING, "America/Sao_Paulo"))
    assert '<abbr title="horário de Brasília">BRT</abbr>' in html
    assert 'datetime="2024-07-15T17:00:00+00:00"' in html
    assert text_of(html) == "15/07/2024 14:00 BRT (17:00 UTC)"
    with translation.override("en"), timezone.override(SAO_PAULO):
        html = str(when(MEETING, "America/Sao_Paulo"))
    assert '<abbr title="Brasília time">BRT</abbr>' in html
    assert "reader-time" not in html


def test_a_moment_written_once_keeps_each_offset_language_and_reader_apart(settings):
    in_sao_paulo = MEETING.astimezone(SAO_PAULO)  # the same moment, another offset
    with translation.override("en"), timezone.override(UTC):
        utc_html = str(when(MEETING, "America/Sao_Paulo"))
        local_html = str(when(in_sao_paulo, "America/Sao_Paulo"))
    assert 'datetime="2024-07-15T17:00:00+00:00"' in utc_html
    assert 'datetime="2024-07-15T14:00:00-03:00"' in local_html
    with translation.override("pt-br"), timezone.override(UTC):
        assert text_of(str(when(MEETING, "America/Sao_Paulo"))).startswith("15/07/2024 14:00")
    with translation.override("en"), timezone.override(SAO_PAULO):
        assert "reader-time" not in str(when(MEETING, "America/Sao_Paulo"))
    # The formats are settings: changing one forgets what was written.
    assert moments.cache_info().currsize > 0
    settings.DATETIME_FORMAT = "Y-m-d H:i"
    assert moments.cache_info().currsize == 0


# --- Pages --------------------------------------------------------------------------------


@pytest.fixture
def lisbon_session(db, facilitator):
    """A session held in Lisbon at 18:00 (14:00 in São Paulo, the site's zone)."""
    return services.session_schedule(
        user=None,
        release=make_release("Checkout"),
        scheduled_at=MEETING,
        time_zone="Europe/Lisbon",
        objective="Confirm the checkout rollout.",
        facilitator=facilitator.person,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (PT, "Go/No-Go – 15/07/2024 18:00 WEST (14:00 BRT)"),
        (EN, "Go/No-Go – 15 Jul 2024, 18:00 WEST (14:00 BRT)"),
    ],
)
def test_a_session_in_another_zone_shows_the_reader_s_time_too(
    client, manager, lisbon_session, headers, expected
):
    client.force_login(manager)
    page = client.get(lisbon_session.release.get_absolute_url(), headers=headers).text
    assert expected in text_of(page)
    page = client.get(lisbon_session.get_absolute_url(), headers=headers).text
    assert expected.removeprefix("Go/No-Go – ") in text_of(page)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "planned", "due"),
    [(PT, "15/07/2024", "16/07/2024"), (EN, "15 Jul 2024", "16 Jul 2024")],
)
def test_dates_on_the_pages_follow_the_language(client, owner, mine, headers, planned, due):
    client.force_login(owner)
    listing = text_of(client.get("/releases/", headers=headers).text)
    assert planned in listing and "2024-07-15" not in listing
    release = text_of(client.get(mine.session.release.get_absolute_url(), headers=headers).text)
    assert due in release and "2024-07-16" not in release
    me = text_of(client.get("/me/", headers=headers).text)
    assert due in me


@pytest.mark.django_db
def test_a_session_time_on_the_pages_has_its_zone(client, owner, mine):
    client.force_login(owner)
    page = text_of(client.get(mine.session.get_absolute_url(), headers=PT).text)
    assert "15/07/2024 14:00 BRT" in page
    assert "UTC\u221203:00" not in page


# --- Date inputs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("pt-br", "15/07/2024"),
        ("pt-br", "2024-07-15"),
        ("en", "15 Jul 2024"),
        ("en", "2024-07-15"),
    ],
)
@pytest.mark.django_db
def test_a_typed_date_is_read_as_the_language_writes_it(language, typed):
    with translation.override(language):
        form = HistoryFilterForm({"date_from": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["date_from"] == dt.date(2024, 7, 15)


@pytest.mark.django_db
def test_english_refuses_a_month_first_date_that_it_never_writes():
    with translation.override("en"):
        form = HistoryFilterForm({"date_from": "07/15/2024"})
        assert not form.is_valid()


@pytest.mark.django_db
def test_a_typed_date_outside_the_bounds_is_refused_in_the_language(client, manager):
    client.force_login(manager)
    page = client.get("/releases/", {"date_from": "15/07/1999"}, headers=PT)
    assert "Informe uma data de 01/01/2000 a 31/12/2100." in page.text


@pytest.mark.django_db
def test_a_release_can_be_created_with_a_brazilian_date(client, facilitator):
    client.force_login(facilitator)
    response = client.post(
        "/releases/new/",
        {
            "name": "Pagamentos",
            "planned_date": "20/08/2024",
            "language": "pt-br",
            "window_time_zone": "America/Sao_Paulo",
            "window_start": "20/08/2024 09:00",
            "window_end": "2024-08-20T11:00",
        },
        headers=PT,
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/releases/2024-08-20-pagamentos/")
    release = Release.objects.get(slug="2024-08-20-pagamentos")
    assert release.deploy_window_start == dt.datetime(2024, 8, 20, 12, 0, tzinfo=dt.UTC)
    assert release.deploy_window_end == dt.datetime(2024, 8, 20, 14, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_date_inputs_keep_iso_values_in_portuguese(client, facilitator):
    client.force_login(facilitator)
    release = make_release("Gateway")
    page = client.get(f"/releases/{release.slug}/sessions/new/", headers=PT).text
    assert 'type="date"' in page and 'value="2024-07-15"' in page


# --- The logged-out language switcher -----------------------------------------------------


@pytest.mark.django_db
def test_the_login_page_offers_each_language_by_its_own_name():
    page = Client().get("/accounts/login/", headers=EN).text
    assert 'action="/i18n/setlang/"' in page and 'name="csrfmiddlewaretoken"' in page
    assert 'value="pt-br" lang="pt-BR"' in page and ">Português Brasileiro</button>" in page
    assert ">English</button>" in page


@pytest.mark.django_db
def test_the_switcher_changes_the_login_page_s_language():
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/accounts/login/", headers=EN)
    assert "Log in to Readiness" in page.text and html_lang(page.text) == "en"
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/i18n/setlang/",
        {"language": "pt-br", "next": "/accounts/login/", "csrfmiddlewaretoken": token},
        headers=EN,
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    page = browser.get("/accounts/login/", headers=EN).text
    assert "Entrar no Readiness" in page and "Log in to Readiness" not in page
    assert html_lang(page) == "pt-BR"


@pytest.mark.django_db
def test_the_switcher_refuses_a_post_without_its_csrf_token():
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    response = browser.post("/i18n/setlang/", {"language": "pt-br", "next": "/accounts/login/"})
    assert response.status_code == 403
    assert "Log in to Readiness" in browser.get("/accounts/login/", headers=EN).text


@pytest.mark.django_db
def test_logged_in_pages_leave_the_language_to_settings(client, owner):
    client.force_login(owner)
    assert "/i18n/setlang/" not in client.get("/releases/", headers=EN).text


# --- No string of the other language, on every main page, for every role -------------------


@pytest.fixture
def record(owner, facilitator):
    """An English release with a session, an action of the owner's, and one done."""
    session = make_session(facilitator=facilitator.person)
    make_action(session, code="A1", owner=owner.person)
    done = make_action(session, code="A2", owner=owner.person)
    services.action_change_status(
        action=done, user=owner, status="done", expected_version=done.version
    )
    return session


def _pages(session) -> dict[str, str]:
    release = session.release
    return {
        "releases": "/releases/",
        "release": release.get_absolute_url(),
        "session": session.get_absolute_url(),
        "dossier": f"{release.get_absolute_url()}dossier/",
        "me": "/me/",
        "insights": "/insights/",
        "settings": "/settings/",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "lang"), [(PT, "pt-BR"), (EN, "en")])
def test_every_main_page_is_in_one_language_for_every_role(
    client, any_role, record, headers, lang
):
    client.force_login(any_role)
    portuguese = lang == "pt-BR"
    owes_work = Person.objects.filter(user=any_role).exists()
    for name, url in _pages(record).items():
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (name, url)
        page = text_of(response.text)
        assert html_lang(response.text) == lang, name
        for english, translated in EVERY_PAGE + KNOWN[name]:
            if name == "me" and english == "Recently closed" and not owes_work:
                continue  # a login that is nobody owes nothing, and closed nothing
            shown, other = (translated, english) if portuguese else (english, translated)
            assert shown in page, (name, shown)
            assert other not in page, (name, other)


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "lang"), [(PT, "pt-BR"), (EN, "en")])
def test_the_login_page_is_in_one_language(headers, lang):
    response = Client().get("/accounts/login/", headers=headers)
    page = text_of(response.text)
    assert html_lang(response.text) == lang
    for english, translated in LOGIN_PAGE:
        shown, other = (translated, english) if lang == "pt-BR" else (english, translated)
        assert shown in page and other not in page


# --- The language of a release's own text --------------------------------------------------


@pytest.mark.django_db
def test_portuguese_minutes_are_marked_inside_an_english_page(client, manager, sample_release):
    client.force_login(manager)
    session = sample_release.sessions.first()
    english = client.get(session.get_absolute_url(), headers=EN).text
    assert html_lang(english) == "en"
    assert '<span class="agenda-title" lang="pt-BR">Resumo das métricas QA' in english
    assert '<span lang="pt-BR">validar readiness cruzando QA' in english
    portuguese = client.get(session.get_absolute_url(), headers=PT).text
    assert '<span class="agenda-title">Resumo das métricas QA' in portuguese
    assert 'lang="pt-BR">Resumo' not in portuguese


@pytest.mark.django_db
def test_english_minutes_are_marked_inside_a_portuguese_page(client, manager, mine):
    client.force_login(manager)
    page = client.get(mine.session.release.get_absolute_url(), headers=PT).text
    assert html_lang(page) == "pt-BR"
    assert '<span lang="en">Re-run the k6 script' in page
    assert '<span lang="en">Validate readiness across QA' in page


@pytest.mark.django_db
def test_the_gate_says_a_due_date_in_the_page_s_language_and_iso_to_machines(client, manager):
    session = make_session()
    make_action(
        session,
        code="A7",
        due_date=dt.date(2024, 7, 15),
        description="Run k6.",
        before_deploy=True,  # only a flagged action blocks
    )
    client.force_login(manager)
    page = client.get(session.release.get_absolute_url(), headers=PT).text
    assert "A7 (prazo 15/07/2024): Run k6." in page
    api = client.get(f"/api/releases/{session.release.slug}/gate", headers=PT).json()
    assert "A7 (prazo 2024-07-15): Run k6." in [b["text"] for b in api["blocking"]]


@pytest.mark.django_db
def test_e_mails_write_dates_in_the_recipient_s_language(
    owner, mailoutbox, django_capture_on_commit_callbacks
):
    owner.email = "owen@example.com"
    owner.save()
    services.user_settings_update(user=owner, language="pt-br", reminders=True)
    session = make_session()
    with django_capture_on_commit_callbacks(execute=True):
        make_action(session, code="A1", owner=owner.person, due_date=dt.date(2024, 7, 16))
    (mail,) = mailoutbox
    assert "16/07/2024" in mail.body and "2024-07-16" not in mail.body
    assert '<html lang="pt-BR">' in mail.alternatives[0][0]


# --- The reader's own zone, chosen in Settings --------------------------------------------


@pytest.mark.django_db
def test_the_time_zone_chosen_in_settings_is_the_reader_s(client, manager, lisbon_session):
    client.force_login(manager)
    saved = client.post("/settings/", {"language": "en", "time_zone": "Europe/Lisbon"})
    assert saved.status_code == 302
    assert UserSettings.objects.get(user=manager).time_zone == "Europe/Lisbon"
    page = text_of(client.get(lisbon_session.get_absolute_url()).text)
    # Held in the reader's own zone: no second time.
    assert "15 Jul 2024, 18:00 WEST" in page and "(14:00 BRT)" not in page
    client.post("/settings/", {"language": "en", "time_zone": "Asia/Tokyo"})
    page = text_of(client.get(lisbon_session.get_absolute_url()).text)
    assert "15 Jul 2024, 18:00 WEST (16 Jul 2024, 02:00 JST)" in page


@pytest.mark.django_db
def test_an_empty_time_zone_is_the_site_s(client, manager, lisbon_session):
    client.force_login(manager)
    client.post("/settings/", {"language": "en", "time_zone": "Asia/Tokyo"})
    client.post("/settings/", {"language": "en", "time_zone": ""})
    assert UserSettings.objects.get(user=manager).time_zone == ""
    page = text_of(client.get(lisbon_session.get_absolute_url()).text)
    assert "15 Jul 2024, 18:00 WEST (14:00 BRT)" in page


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused_inline(client, manager):
    client.force_login(manager)
    response = client.post("/settings/", {"language": "en", "time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 422
    assert "Mars/Olympus_Mons is not a known time zone" in response.text
    assert not UserSettings.objects.exists()


@pytest.mark.django_db
def test_the_chosen_time_zone_comes_back_at_the_next_login(client, manager, lisbon_session):
    services.user_settings_update(
        user=manager, language="en", reminders=True, time_zone="Europe/Lisbon"
    )
    client.force_login(manager)
    page = text_of(client.get(lisbon_session.get_absolute_url()).text)
    assert "15 Jul 2024, 18:00 WEST" in page and "(14:00 BRT)" not in page
