"""What a meeting recorded about its participants stays as it was recorded."""

from readiness import services
from readiness.minutes.exporter import release_as_dict, release_as_markdown
from readiness.models import Release
from tests.factories import make_release, make_session


def test_a_participant_s_title_is_frozen_in_closed_minutes(db, client, manager):
    first = make_session(make_release("Billing Gateway"))
    ana = services.person_get_or_create(user=None, name="Ana Souza", title="QA Lead")
    services.participant_add(user=None, session=first, person=ana, area="QA")
    services.session_close(user=None, session=first, expected_version=first.version)

    # Months later, elsewhere, Ana is named with her new title.
    later = make_session(make_release("Payments Ledger"))
    ana = services.person_get_or_create(user=None, name="Ana Souza", title="Head of QA")
    services.participant_add(user=None, session=later, person=ana, area="QA")
    ana.refresh_from_db()
    assert ana.title == "Head of QA"

    release = Release.objects.with_everything().get(pk=first.release_id)
    (participant,) = release_as_dict(release)["sessions"][0]["participants"]
    assert participant["title"] == "QA Lead"
    assert "QA Lead" in release_as_markdown(release)
    assert "Head of QA" not in release_as_markdown(release)
    client.force_login(manager)
    for url in (release.get_absolute_url(), f"{release.get_absolute_url()}dossier/"):
        page = client.get(url).text
        assert "QA Lead" in page and "Head of QA" not in page, url
    # The later meeting shows her title at that meeting.
    assert later.participants.get().title == "Head of QA"
