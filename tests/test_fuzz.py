"""Fuzzing every HTML form: whatever is posted to a write route, the answer is never a 5xx,
and after a write that was accepted every page that shows the record still renders.

The routes come from the URLconf (as in tests/test_route_matrix.py): a route that accepts
POST without an entry in `SPECS` fails `test_every_write_route_is_fuzzed`. The values of
each field follow its form field's type (tests/fuzz.py holds them and the profile: fixed
seed, no example database, so that CI sees what this machine sees).
"""

from __future__ import annotations

import re

import pytest
from django import forms as django_forms
from django.contrib.auth import forms as auth_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from readiness import forms
from readiness.forms import base as form_base
from readiness.minutes.parser import MAX_BYTES
from readiness.models import Event
from readiness.reports.history import HistoryFilterForm
from readiness.reports.insights import InsightsFilterForm
from tests import fuzz
from tests.conftest import PASSWORD
from tests.fuzz import FUZZ, Ref
from tests.test_route_matrix import _routes

HX = {"HX-Request": "true"}


class Spec:
    """How to fuzz one write route: its forms' fields, what its <item> (or <pk>) names,
    the fields its forms do not declare (as a good and a hostile strategy), and which
    pages show what it writes."""

    def __init__(self, *form_classes, item=None, extra=None, examples=None, shows=("session",)):
        self.form_classes = form_classes
        self.item = item
        self.extra = extra or {}
        self.examples = examples
        self.shows = shows


def _version(key):
    def version(world):
        model = type(world[key])
        row = model.objects.filter(pk=world[key].pk).values_list("version", flat=True).first()
        return str(row or 1)

    return Ref(version)


def _backs(world):
    return [
        "",
        f"agenda:{world['agenda'].pk}",
        f"check:{world['check'].pk}",
        f"condition:{world['condition'].pk}",
        f"action:{world['action'].pk}",
        "action:999999",
        "action:",
        "nonsense",
        ":",
    ]


_backs_values = st.integers(0, 8).map(lambda i: Ref(lambda w: _backs(w)[i]))
_vote = st.sampled_from(["", "approve", "reject", "abstain"])
_votes = {
    Ref(lambda w: f"vote_{w['participant'].pk}"): (_vote, fuzz.junk),
    Ref(lambda w: f"comment_{w['participant'].pk}"): (fuzz.good_text("Fine by QA"), fuzz.junk),
    "vote_999999": (st.none(), _vote),
}
# The decision's condition formset, its management fields numeric or not.
_counts = st.sampled_from(["-1", "21", "1001", "abc", "", "1e3", "99999999999999999999"])
_formset = {
    "conditions-TOTAL_FORMS": (st.sampled_from(["0", "1", "2"]), _counts),
    "conditions-INITIAL_FORMS": (st.just("0"), _counts),
    "conditions-MIN_NUM_FORMS": (st.none(), _counts),
    "conditions-MAX_NUM_FORMS": (st.none(), _counts),
    "add_condition": (st.none(), st.just("1")),
}
for _i in range(2):
    _formset.update(
        {
            f"conditions-{_i}-text": (fuzz.good_text("Run BILL-230"), fuzz.junk),
            f"conditions-{_i}-reference": (fuzz.good_text("BILL-230"), fuzz.junk),
            f"conditions-{_i}-owner": (fuzz.good_text("Fay Facilitator", "Ana"), fuzz.junk),
            f"conditions-{_i}-deadline": (fuzz.good_moments, fuzz.bad_moments),
        }
    )


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("minutes.md", data, content_type="text/markdown")


def _own_minutes(world) -> str:
    """The world's release as minutes, under another name: importing it creates a release."""
    release = world["release"]
    return fuzz.minutes_of(release).replace(release.name, f"Imported {release.pk}")


def _changed(text: str, cut: int, insert: str) -> str:
    at = cut % (len(text) + 1)
    return text[:at] + insert + text[at:]


_inserts = st.one_of(
    fuzz.texts, st.sampled_from(fuzz.CONTROL + fuzz.DATES + fuzz.MOMENTS + fuzz.BAD_ZONES)
)
_good_files = st.just(Ref(lambda w: _upload(_own_minutes(w).encode())))
_bad_files = st.one_of(
    st.builds(
        lambda cut, insert: Ref(
            lambda w: _upload(_changed(_own_minutes(w), cut, insert).encode())
        ),
        st.integers(0, 10_000),
        _inserts,
    ),
    st.binary(max_size=200).map(_upload),
    st.sampled_from([b"", b"\xff\xfe", b"# \x00", b"x" * (MAX_BYTES + 1)]).map(_upload),
)


def _signed(world, text):
    return forms.sign_minutes(text=text, source="fuzz.md", user=world["facilitator"])


_tokens = (
    st.just(Ref(lambda w: _signed(w, _own_minutes(w)))),
    st.one_of(
        st.builds(
            lambda cut, insert: Ref(lambda w: _signed(w, _changed(_own_minutes(w), cut, insert))),
            st.integers(0, 10_000),
            _inserts,
        ),
        fuzz.junk,
    ),
)

_member = Ref(lambda w: str(w["participant"].pk))
RELEASE = ("session", "list", "me")  # what a change to the release's dates shows on
MINE = ("session", "me")  # what the owner's work lists
ACCOUNT = ("account",)
FREEZES = ("freezes", "session")  # a freeze shows on the calendar and in every gate
PEOPLE = ("session", "people")  # a person's name shows in their sessions and the directory
TEAMS = ("teams", "people")  # a team's page, the list, and its people's pages
_addresses = st.sampled_from(["rita@example.com", "NEW@example.com", "x@y.example.com"])
SPECS: dict[str, Spec] = {
    # Releases and sessions.
    "releases:create": Spec(forms.ReleaseCreateForm, shows=RELEASE),
    "releases:edit": Spec(forms.ReleaseEditForm, item="release", shows=RELEASE),
    "releases:cancel": Spec(forms.ReleaseConfirmForm, item="release", examples=4, shows=RELEASE),
    "releases:delete": Spec(forms.ReleaseConfirmForm, item="release", examples=4, shows=("list",)),
    "releases:deployment_add": Spec(forms.DeploymentForm, shows=RELEASE),
    "sessions:create": Spec(forms.SessionScheduleForm, shows=RELEASE),
    "sessions:edit": Spec(forms.SessionEditForm, item="session", shows=RELEASE),
    "sessions:start": Spec(examples=3),
    "sessions:close": Spec(examples=3),
    "sessions:save_template": Spec(forms.TemplateSaveForm, examples=4),
    "sessions:minutes_send": Spec(examples=3),
    "sessions:review_done": Spec(examples=3, shows=MINE),
    "sessions:participant_add": Spec(forms.ParticipantAddForm),
    "sessions:participant_edit": Spec(forms.ParticipantEditForm, item="participant"),
    "sessions:participant_attendance": Spec(forms.AttendanceForm, item="participant"),
    "sessions:agenda_add": Spec(forms.AgendaItemAddForm),
    "sessions:agenda_edit": Spec(forms.AgendaItemEditForm, item="agenda"),
    "sessions:agenda_delete": Spec(item="agenda", examples=3),
    "sessions:agenda_move": Spec(forms.MoveForm, item="agenda", examples=4),
    "sessions:agenda_discuss": Spec(item="agenda", examples=3),
    "sessions:agenda_discussed": Spec(forms.DiscussedForm, item="agenda", examples=4),
    "sessions:check_add": Spec(forms.ReadinessCheckForm),
    "sessions:check_edit": Spec(forms.ReadinessCheckEditForm, item="check"),
    "sessions:decision_record": Spec(
        forms.DecisionForm, extra={**_formset, **_votes}, examples=14, shows=RELEASE
    ),
    "sessions:action_add": Spec(forms.ActionForm, shows=MINE),
    "sessions:action_edit": Spec(forms.ActionEditForm, item="action", shows=MINE),
    "sessions:action_cancel": Spec(item="action", examples=3, shows=MINE),
    "sessions:action_status": Spec(forms.ActionStatusForm, item="action", shows=MINE),
    "sessions:condition_satisfy": Spec(forms.ConditionSatisfyForm, item="condition", shows=MINE),
    "sessions:evidence_add": Spec(forms.EvidenceForm, extra={"backs": (_backs_values, fuzz.junk)}),
    "sessions:evidence_verify": Spec(item="evidence", examples=3),
    "sessions:evidence_edit": Spec(forms.EvidenceEditForm, item="evidence"),
    "sessions:evidence_remove": Spec(forms.RemoveForm, item="evidence", examples=3),
    "sessions:participant_remove": Spec(forms.RemoveForm, item="participant", examples=3),
    "sessions:check_remove": Spec(forms.RemoveForm, item="check", examples=3),
    "sessions:condition_edit": Spec(forms.ConditionEditForm, item="condition", shows=MINE),
    "sessions:addendum_add": Spec(forms.AddendumForm),
    "sessions:checklist_add": Spec(forms.ChecklistItemForm),
    "sessions:checklist_edit": Spec(forms.ChecklistItemEditForm, item="checklist"),
    "sessions:checklist_exempt": Spec(forms.ChecklistExemptForm, item="checklist"),
    "sessions:signoff": Spec(
        forms.ProxySignOffForm,
        extra={"participant": (st.sampled_from(["", _member]), fuzz.junk)},
        examples=10,
    ),
    # Sign-off: the approver's own, from /me/ and from the e-mailed link; the policies.
    "me:signoff": Spec(forms.SignOffForm, item="decision", examples=8, shows=MINE),
    "signoff_link": Spec(forms.SignOffForm, examples=8, shows=MINE),
    "releases:policy": Spec(forms.PolicyForm, examples=10, shows=RELEASE),
    "site_policy": Spec(forms.PolicyForm, examples=10, shows=RELEASE),
    # My work.
    "me:action_status": Spec(forms.ActionStatusForm, item="action", shows=MINE),
    "me:condition_satisfy": Spec(forms.ConditionSatisfyForm, item="condition", shows=MINE),
    "me:review_done": Spec(item="decision", examples=3, shows=MINE),
    # The minutes import.
    "minutes:import": Spec(forms.MinutesUploadForm, examples=10),
    "minutes:import_confirm": Spec(
        forms.MinutesConfirmForm, extra={"token": _tokens}, shows=RELEASE
    ),
    # The people directory.
    "people:edit": Spec(
        forms.PersonForm,
        item="person",
        extra={"login": (st.sampled_from(["", "admin"]), fuzz.junk)},
        shows=PEOPLE,
    ),
    "people:merge": Spec(
        forms.PersonMergeForm,
        item="person",
        extra={"merged": (st.just(Ref(lambda w: str(fuzz.make_duplicate(w).pk))), fuzz.junk)},
        examples=8,
        shows=PEOPLE,
    ),
    # Teams and their members.
    "teams:create": Spec(forms.TeamCreateForm, examples=8, shows=TEAMS),
    "teams:edit": Spec(forms.TeamEditForm, item="team", shows=TEAMS),
    "teams:policy": Spec(forms.PolicyForm, examples=10, shows=TEAMS),
    "teams:member_add": Spec(forms.MemberAddForm, shows=TEAMS),
    "teams:member_invite": Spec(
        forms.MemberInviteForm, extra={"email": (_addresses, fuzz.junk)}, shows=TEAMS
    ),
    "teams:member_edit": Spec(forms.MembershipForm, item="membership", shows=TEAMS),
    "teams:member_remove": Spec(
        forms.MemberRemoveForm, item="membership", examples=3, shows=TEAMS
    ),
    # Settings, tokens and webhooks.
    "settings:index": Spec(forms.UserSettingsForm, examples=4, shows=("account", "me")),
    "settings:feed_regenerate": Spec(examples=2, shows=ACCOUNT),
    "settings:token_create": Spec(forms.ApiTokenForm, examples=6, shows=ACCOUNT),
    "settings:token_revoke": Spec(item="token", examples=3, shows=ACCOUNT),
    "webhooks:create": Spec(forms.WebhookForm, shows=ACCOUNT),
    "webhooks:delete": Spec(item="webhook", examples=3, shows=ACCOUNT),
    # The freeze calendar and break-glass overrides.
    "freezes:create": Spec(forms.FreezeForm, shows=FREEZES),
    "freezes:edit": Spec(forms.FreezeEditForm, item="freeze", shows=FREEZES),
    "freezes:delete": Spec(forms.FreezeDeleteForm, item="freeze", examples=3, shows=FREEZES),
    "releases:override": Spec(forms.OverrideForm, examples=8, shows=RELEASE),
    "releases:override_revoke": Spec(item="override", examples=3, shows=RELEASE),
    # Logging in and out (the login as a visitor who is not logged in).
    "login": Spec(auth_forms.AuthenticationForm, examples=6, shows=()),
    "logout": Spec(examples=2, shows=()),
}
ANONYMOUS = {"login"}
# Routes whose <item> is named by another parameter in the URLconf.
ITEM_PARAMETERS = ("item", "token_id", "webhook_id", "override_id")
# The stored version a versioned form must send back, by the route's item.
VERSIONED = {
    "release",
    "session",
    "participant",
    "agenda",
    "check",
    "checklist",
    "action",
    "condition",
    "evidence",
    "person",
    "freeze",
    "team",
    "membership",
}
SKIPPED = {"admin"}  # the admin is read-only; the API has its own fuzz (test_fuzz_api.py)


def _write_route_names(client) -> set[str]:
    """Every route outside the admin and the API that takes a POST: a view that refuses
    the other methods names POST in its Allow header."""
    names = set()
    for name, route in _routes():
        if name in SKIPPED or name.startswith("api:"):
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "x" if m[1] == "slug" else "1", route)
        if "POST" in client.options(path).get("Allow", ""):
            names.add(name)
    return names


def test_every_write_route_is_fuzzed(client, facilitator):
    client.force_login(facilitator)
    writes = _write_route_names(client)
    assert writes - SPECS.keys() == set(), "write routes without a fuzz spec"
    assert SPECS.keys() - writes == set(), "fuzz specs of routes that take no POST"
    assert len(writes) >= 40


# --- Values by form field ------------------------------------------------------------------


def _choices(field) -> list[str]:
    values = []
    for value, label in field.choices:
        if isinstance(label, list | tuple):
            values += [str(v) for v, _label in label]
        else:
            values.append(str(value))
    return values or [""]


def _field_values(name: str, field, spec: Spec) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    """What to send for one form field: (values it accepts, values it must refuse). Every
    field may also get the general junk (tests/fuzz.py)."""
    junk = fuzz.junk
    if name == "version":
        good = _version(spec.item) if spec.item in VERSIONED else "1"
        return st.just(good), st.one_of(junk, st.sampled_from(["0", "2147483648", "-1"]))
    if name in ("evidence_url", "location", "url"):
        return fuzz.good_urls, st.one_of(fuzz.bad_urls, junk)
    if name == "username":
        return st.just("facilitator"), junk
    if name == "password":
        return st.just(PASSWORD), junk
    if isinstance(field, form_base.TimeZoneField):
        return fuzz.good_zones, st.one_of(fuzz.bad_zones, junk)
    if isinstance(field, form_base.PersonNameField):
        return fuzz.good_text("Fay Facilitator", "Ana Souza", "Júlia"), junk
    if isinstance(field, django_forms.RegexField):
        return st.from_regex(r"\A[A-Z]{1,3}[1-9][0-9]{0,3}\Z"), junk
    if isinstance(field, django_forms.DateTimeField):
        return fuzz.good_moments, st.one_of(fuzz.bad_moments, junk)
    if isinstance(field, django_forms.DateField):
        return fuzz.good_days, st.one_of(fuzz.bad_days, junk)
    if isinstance(field, django_forms.TimeField):
        return fuzz.good_times, st.one_of(fuzz.bad_times, junk)
    if isinstance(field, django_forms.IntegerField):
        low, high = field.min_value or 1, field.max_value or 10**6
        return st.integers(low, high).map(str), st.one_of(
            st.sampled_from([str(low - 1), str(high + 1)]), junk
        )
    if isinstance(field, django_forms.BooleanField):
        return st.sampled_from(["on", None]), junk
    if isinstance(field, django_forms.ModelChoiceField):
        real = Ref(lambda w: str(w["release"].pk))
        return st.sampled_from(["", real]), st.one_of(st.just("999999"), junk)
    if isinstance(field, django_forms.MultipleChoiceField):
        choices = st.sampled_from(_choices(field))
        return st.lists(choices, min_size=1, max_size=3), junk
    if isinstance(field, django_forms.ChoiceField):
        return st.sampled_from(_choices(field)), junk
    if isinstance(field, django_forms.FileField):
        return _good_files, _bad_files
    return fuzz.good_text(), junk


def _pairs(spec: Spec) -> dict:
    pairs = {}
    for form_class in spec.form_classes:
        for name, field in form_class.base_fields.items():
            pairs[name] = _field_values(name, field, spec)
    pairs.update(spec.extra)
    return pairs


@st.composite
def _payloads(draw, spec: Spec) -> dict:
    """A whole form: all good (so that writes are often accepted), one field hostile, or
    every field anything at all, left out or not, plus a field nobody declared."""
    pairs = _pairs(spec)
    names = list(pairs)
    mode = draw(st.sampled_from(["good", "one", "one", "wild"]))
    hostile = draw(st.sampled_from(names)) if names and mode == "one" else None
    data = {}
    for name, (good, bad) in pairs.items():
        if mode == "wild":
            value = draw(st.one_of(st.none(), good, bad, fuzz.junk))
        else:
            value = draw(bad if name == hostile else good)
        data[name] = value
    if mode == "wild":
        data.update(draw(st.dictionaries(st.sampled_from(["id", "pk", "x", "é"]), fuzz.junk)))
    return data


def _url(name: str, world, spec: Spec, unknown: bool) -> str:
    route = dict(_routes())[name]
    kwargs = {}
    for parameter in re.findall(r"<(?:\w+:)?(\w+)>", route):
        if parameter == "slug" and name.startswith("teams:"):
            kwargs["slug"] = world["team"].slug
        elif parameter == "slug":
            kwargs["slug"] = world["release"].slug
        elif parameter == "pk" and name.startswith("teams:"):
            kwargs["pk"] = 999_999 if unknown else world["membership"].pk
        elif parameter == "pk" and name.startswith("sessions:"):
            kwargs["pk"] = world["session"].pk
        elif parameter == "token":
            kwargs["token"] = "forged" if unknown else world["signoff_token"]
        elif parameter in ("pk", *ITEM_PARAMETERS):
            kwargs[parameter] = 999_999 if unknown else world[spec.item].pk
    return reverse(name, kwargs=kwargs)


# --- The fuzz -------------------------------------------------------------------------------


@pytest.fixture
def world(facilitator, admin_user):
    return fuzz.make_world(facilitator, admin_user)


RAW_BODIES = [
    ("application/x-www-form-urlencoded", b"title=%ff%fe&name=%c3&version=%00&%zz=1"),
    ("application/x-www-form-urlencoded", b"\xff\xfe=\xc3\x28&&&==&"),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n"),
    ("multipart/form-data", b"no boundary"),
    ("application/json", b'{"title": "Go"}'),
]


def _still_there(world, key) -> bool:
    """Whether the route's item can still be written (an earlier example may have
    deleted it, or satisfied the condition)."""
    if key is None:
        return True
    rows = type(world[key]).objects.filter(pk=world[key].pk)
    if key == "condition":
        rows = rows.filter(satisfied_at__isnull=True)
    return rows.exists()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_no_write_route_answers_5xx_and_every_page_renders_after_it(client, world, name):
    spec = SPECS[name]

    @fuzz.examples(spec.examples or FUZZ.max_examples)
    @given(
        payload=_payloads(spec),
        htmx=st.booleans(),
        as_admin=st.sampled_from([False, False, False, True]),
        unknown=st.sampled_from([False] * 7 + [True]),
        raw=st.sampled_from([None] * 9 + RAW_BODIES),
    )
    def attempt(payload, htmx, as_admin, unknown, raw):
        if not _still_there(world, spec.item):
            world.update(fuzz.make_world(world["facilitator"], world["admin"]))
        data = {}
        for key, value in payload.items():
            value = fuzz.resolve(value, world)
            if value is not None:
                data[fuzz.resolve(key, world)] = value
        user = world["admin"] if as_admin else world["facilitator"]
        if name in ANONYMOUS:
            client.logout()
        else:
            client.force_login(user)
        first_new, events = fuzz.next_release_pk(), Event.objects.count()
        url = _url(name, world, spec, unknown and spec.item is not None)
        headers = HX if htmx else {}
        if raw is None:
            response = client.post(url, data, headers=headers)
        else:  # a body no browser would send: bytes that are not UTF-8, a broken multipart
            response = client.generic("POST", url, raw[1], content_type=raw[0], headers=headers)
        assert response.status_code < 500, (url, response.status_code, data)
        written = Event.objects.count() != events
        event("accepted" if written else f"refused with {response.status_code}")
        if written:
            releases = fuzz.touched_releases(world, first_new)
            fuzz.assert_pages_render(client, user, releases, shows=spec.shows)

    attempt()


# --- The forms that filter what a page shows ------------------------------------------------

_term = (fuzz.good_text("Ana", "Billing"), fuzz.junk)
FILTERS = {
    "releases:list": (HistoryFilterForm, {}),
    "releases:export_csv": (HistoryFilterForm, {}),
    "insights:index": (InsightsFilterForm, {}),
    "people_search": (None, dict.fromkeys(("q", "name", "owner", "facilitator"), _term)),
}


def _filter_payloads(form_class, extra) -> st.SearchStrategy:
    spec = Spec(*([form_class] if form_class else []), extra=extra)
    return _payloads(spec)


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_no_filter_answers_5xx(client, world, name):
    form_class, extra = FILTERS[name]

    @fuzz.examples(10)
    @given(payload=_filter_payloads(form_class, extra), htmx=st.booleans())
    def attempt(payload, htmx):
        query = {}
        for key, value in payload.items():
            value = fuzz.resolve(value, world)
            if value is not None:
                query[key] = value
        client.force_login(world["facilitator"])
        response = client.get(reverse(name), query, headers=HX if htmx else {})
        assert response.status_code < 500, (name, response.status_code, query)
        if name != "people_search":  # no match is an empty list of options
            assert response.status_code in (200, 400, 422) and fuzz.body(response), name

    attempt()
