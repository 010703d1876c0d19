"""A team's default sign-off policy: its facilitators set it, its new releases copy it
instead of the site's, and the gate and the sign-off lists follow it where a release has
no policy of its own."""

from readiness import services
from readiness.models import Decision, Event, Policy
from readiness.models.signoffs import awaiting_signoff
from tests.factories import (
    join_team,
    make_decision,
    make_person,
    make_release,
    make_session,
    make_team,
)


def _policy(**changes):
    return {
        "required_areas": "Security",
        "rule": "areas",
        "quorum": "",
        "owner_not_sole_approver": "on",
        "go_valid_days": "",
        **changes,
    }


def _site_default(areas):
    services.policy_update(
        user=None,
        release=None,
        expected_version=None,
        required_areas=areas,
        rule="areas",
        quorum=None,
    )


def test_the_teams_facilitator_sets_the_default_its_new_releases_copy(client, facilitator):
    mobile = make_team("Mobile")
    join_team(facilitator, mobile)
    _site_default(["QA"])
    client.force_login(facilitator)
    page = client.get(f"/teams/{mobile.slug}/policy/")
    assert page.status_code == 200 and "The default sign-off policy of Mobile" in page.text
    assert client.post(f"/teams/{mobile.slug}/policy/", _policy()).status_code == 302
    default = Policy.objects.get(team=mobile)
    assert default.required_areas == ["Security"] and default.release is None
    assert Event.objects.filter(verb="policy.created", subject_id=default.pk).exists()
    app = make_release("App", team=mobile)
    other = make_release("Ledger")  # the default team: the site's default
    assert Policy.objects.get(release=app).required_areas == ["Security"]
    assert Policy.objects.get(release=other).required_areas == ["QA"]
    # Saving again changes the team's default, not the site's, and is versioned.
    changed = client.post(
        f"/teams/{mobile.slug}/policy/",
        _policy(required_areas="Security, FinOps", version=default.version),
    )
    assert changed.status_code == 302
    assert Policy.objects.get(team=mobile).required_areas == ["Security", "FinOps"]
    assert Policy.objects.get(release__isnull=True, team__isnull=True).required_areas == ["QA"]


def test_only_the_teams_facilitators_set_it(client, facilitator, manager):
    mobile = make_team("Mobile")
    for user in (facilitator, manager):  # another team's facilitator, a site manager
        client.force_login(user)
        assert client.post(f"/teams/{mobile.slug}/policy/", _policy()).status_code == 403
    assert not Policy.objects.filter(team=mobile).exists()


def test_a_release_without_its_own_policy_follows_its_teams_default(db):
    mobile = make_team("Mobile")
    app = make_release("App", team=mobile)  # created before the team had a default
    services.policy_update(
        user=None,
        release=None,
        team=mobile,
        expected_version=None,
        required_areas=["Security"],
        rule="areas",
        quorum=None,
    )
    assert not Policy.objects.filter(release=app).exists()
    assert Policy.for_release(app).required_areas == ["Security"]
    session = make_session(app)
    sam = make_person("Sam Security")
    services.participant_add(user=None, session=session, person=sam, area="Security")
    decision = make_decision(session, Decision.Outcome.GO)
    assert decision.approval == Decision.Approval.PENDING
    assert [(d.pk, seat.person) for d, seat in awaiting_signoff(sam)] == [(decision.pk, sam)]
    gate = services.release_gate_check(release=app, user=None)
    assert [b.kind for b in gate.blocking] == ["signoff"]
    assert gate.as_dict()["policy"]["required_areas"] == ["Security"]
