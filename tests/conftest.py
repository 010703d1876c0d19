"""Fixtures shared by the suite: one login per role, a session and its owner's action,
and the sample release."""

import ipaddress
import socket

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import translation

from readiness import webhooks
from readiness.demo import load_demo
from readiness.permissions import MANAGERS
from tests.factories import join_team, make_action, make_person, make_session

PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache holds the API's throttle counts: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _site_language():
    """A request activates its reader's language for the rest of the thread; each test
    starts, and leaves, in the site's own, so code called directly reads as it would."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The production hasher is slow on purpose; tests create many logins."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Names the suite's webhooks use, and the addresses the stub resolver gives them. No test
# asks a real resolver, and none connects anywhere but loopback.
TEST_NAMES = {"localhost": "127.0.0.1"}
# TEST-NET-3 plays the public internet: allowed below, never connected to.
TEST_PUBLIC_ADDRESS = "203.0.113.10"


def _stub_getaddrinfo(host, port):
    address = TEST_NAMES.get(host)
    if address is None and host.endswith("example.com"):
        address = TEST_PUBLIC_ADDRESS
    if address is None:
        try:
            address = str(ipaddress.ip_address(host.strip("[]")))
        except ValueError:
            try:  # the shorthand forms a real resolver reads, such as 127.1
                address = socket.inet_ntoa(socket.inet_aton(host))
            except OSError:
                raise socket.gaierror(socket.EAI_NONAME, "unknown name in tests") from None
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return [(family, socket.SOCK_STREAM, 6, "", (address, port))]


def _loopback_only(sock, sockaddr):
    if not ipaddress.ip_address(sockaddr[0]).is_loopback:
        raise ConnectionRefusedError(f"the test suite connects to loopback only, not {sockaddr}")
    sock.connect(sockaddr)


@pytest.fixture(autouse=True)
def _webhook_network(settings, monkeypatch):
    """The suite's webhook receivers listen on 127.0.0.1, as an on-premises receiver would
    on an allowed private network; tests of the refusal set their own list."""
    settings.WEBHOOK_ALLOWED_NETWORKS = [
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
        ipaddress.ip_network("203.0.113.0/24"),
    ]
    monkeypatch.setattr(webhooks, "_getaddrinfo", _stub_getaddrinfo)
    monkeypatch.setattr(webhooks, "_connect", _loopback_only)


def _user(django_user_model, username, *, group=None, **extra):
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), **extra
    )
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def facilitator(db, django_user_model):
    user = _user(django_user_model, "facilitator")
    make_person("Fay Facilitator", title="Platform Ops", user=user)
    join_team(user)
    return user


@pytest.fixture
def owner(db, django_user_model):
    user = _user(django_user_model, "owner")
    make_person("Owen Owner", title="SRE Lead", user=user)
    return user


@pytest.fixture
def manager(db, django_user_model):
    return _user(django_user_model, "manager", group=MANAGERS)


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser(
        username="admin", password=PASSWORD, email="admin@example.com"
    )


@pytest.fixture(params=["manager", "owner", "facilitator", "admin_user"])
def any_role(request):
    """Each logged-in role in turn: every one of them may read the record."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def session(facilitator):
    """A scheduled session the facilitator runs (a test file may define its own)."""
    return make_session(facilitator=facilitator.person)


@pytest.fixture
def mine(owner, session):
    """The owner's action A1 in that session."""
    return make_action(session, code="A1", owner=owner.person)


@pytest.fixture
def sample_release(db):
    """The Billing Gateway release of the sample minutes."""
    return load_demo().release
