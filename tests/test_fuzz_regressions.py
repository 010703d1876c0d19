"""One test per server error the fuzz suite (tests/test_fuzz*.py) found, named after it:
the input is now refused (or shown) cleanly, and nothing else changed."""

import pytest
from django.core.exceptions import ValidationError

from readiness import services
from readiness.models import Action, Event

HX = {"HX-Request": "true"}


@pytest.mark.parametrize("reason", ["\x07", "\x00", "\x1b\x07 \x0e", "\x85\x0b"])
def test_a_block_reason_of_control_characters_alone_is_refused_not_a_500(
    client, owner, mine, reason
):
    """The reason was judged before the control characters were taken out, so the row
    reached the database blocked without a reason and its CHECK constraint answered 500."""
    _, token = services.api_token_create(user=owner, name="CI")
    events = Event.objects.count()
    response = client.post(
        f"/api/actions/{mine.pk}/status",
        {"status": "blocked", "reason": reason, "expected_version": mine.version},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"].startswith("application/json")
    if "\x00" not in reason:  # the API's schema refuses NUL before the service
        assert response.json()["detail"] == "Say what blocks this action."
    mine.refresh_from_db()
    assert mine.status == Action.Status.OPEN and Event.objects.count() == events


def test_a_block_reason_of_control_characters_alone_is_refused_on_the_page(client, owner, mine):
    client.force_login(owner)
    response = client.post(
        f"/me/actions/{mine.pk}/status",
        {"status": "blocked", "reason": "\x07\x1b", "version": mine.version},
        headers=HX,
    )
    assert response.status_code == 422
    assert "Say what blocks this action." in response.text
    mine.refresh_from_db()
    assert mine.status == Action.Status.OPEN


def test_a_reopening_reason_of_control_characters_alone_is_refused(facilitator, mine):
    services.action_change_status(
        user=facilitator, action=mine, status="done", expected_version=mine.version
    )
    mine.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.action_change_status(
            user=facilitator, action=mine, status="open", reason="\x07", expected_version=2
        )
    assert error.value.message_dict == {"reason": ["Say why the action is reopened."]}


def test_a_reason_keeps_its_text_without_the_control_characters(owner, mine):
    services.action_change_status(
        user=owner,
        action=mine,
        status="blocked",
        reason=" Waiting\x07 for the vendor ",
        expected_version=mine.version,
    )
    mine.refresh_from_db()
    assert mine.status_reason == "Waiting for the vendor"
