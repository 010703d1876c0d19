"""The settings page: the language of one's e-mails, reminders and the calendar feed."""

from readiness.models import Event, UserSettings

HX = {"HX-Request": "true"}


def test_it_sends_anonymous_visitors_to_log_in(client):
    assert "/accounts/login/" in client.get("/settings/")["Location"]
    assert "/accounts/login/" in client.post("/settings/feed/")["Location"]


def test_it_shows_the_defaults_without_saving_anything(client, owner):
    client.force_login(owner)
    page = client.get("/settings/").text
    assert 'name="language"' in page and 'name="reminders"' in page
    assert 'for="settings-language"' in page
    assert "Make my feed address" in page
    assert 'href="/settings/tokens/"' in page
    assert not UserSettings.objects.exists()


def test_it_saves_the_language_and_reminders_without_javascript(client, owner):
    client.force_login(owner)
    response = client.post("/settings/", {"language": "pt-br"})
    assert response.status_code == 302 and response["Location"] == "/settings/"
    saved = UserSettings.objects.get(user=owner)
    assert saved.language == "pt-br" and saved.reminders is False
    assert Event.objects.filter(verb="user_settings.created", subject_id=saved.pk).exists()


def test_it_answers_htmx_with_the_region(client, owner):
    client.force_login(owner)
    response = client.post("/settings/", {"language": "en", "reminders": "on"}, headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="preferences"')
    assert "Your settings are saved." in response.text
    assert (
        client.get("/settings/", headers=HX).text.lstrip().startswith('<section id="preferences"')
    )


def test_it_refuses_an_unknown_language_inline(client, owner):
    client.force_login(owner)
    response = client.post("/settings/", {"language": "xx"}, headers=HX)
    assert response.status_code == 422
    assert "Select a valid choice" in response.text
    assert not UserSettings.objects.exists()


def test_the_feed_address_is_shown_once_after_a_plain_post(client, owner):
    client.force_login(owner)
    response = client.post("/settings/feed/")
    assert response.status_code == 302
    page = client.get("/settings/").text
    assert 'id="feed-url"' in page and "/me/feed/" in page
    assert 'id="feed-url"' not in client.get("/settings/").text
    assert "Make a new address" in client.get("/settings/").text


def test_wrong_methods_get_405(client, owner):
    client.force_login(owner)
    assert client.get("/settings/feed/").status_code == 405
    assert client.put("/settings/").status_code == 405


def test_the_language_chosen_in_settings_is_the_interface_s(client, owner):
    client.force_login(owner)
    english = {"Accept-Language": "en"}
    assert "My work" in client.get("/releases/", headers=english).text
    response = client.post("/settings/", {"language": "pt-br", "reminders": "on"})
    assert response.status_code == 302
    page = client.get("/releases/", headers=english)
    assert "Meu trabalho" in page.text and page["Content-Language"] == "pt-br"
    # A new login keeps it: it is read from the saved settings, not the browser.
    client.logout()
    client.force_login(owner)
    assert "Meu trabalho" in client.get("/releases/", headers=english).text


def test_a_login_that_never_chose_gets_its_browser_s_language(client, owner):
    client.force_login(owner)
    page = client.get("/releases/", headers={"Accept-Language": "pt-BR"}).text
    assert "Meu trabalho" in page
    assert "My work" in client.get("/releases/", headers={"Accept-Language": "en"}).text


def test_the_languages_are_offered_by_their_own_names(client, owner):
    client.force_login(owner)
    page = client.get("/settings/", headers={"Accept-Language": "en"}).text
    assert ">Português Brasileiro</option>" in page and ">English</option>" in page
