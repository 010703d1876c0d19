"""Fixtures shared by the suite: one login per role, and the sample release."""

import pytest
from django.contrib.auth.models import Group

from readiness.demo import load_demo
from readiness.permissions import FACILITATORS, MANAGERS
from tests.factories import make_person

PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The production hasher is slow on purpose; tests create many logins."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(django_user_model, username, *, group=None, **extra):
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), **extra
    )
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def facilitator(db, django_user_model):
    user = _user(django_user_model, "facilitator", group=FACILITATORS)
    make_person("Fay Facilitator", title="Platform Ops", user=user)
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
def sample_release(db):
    """The Billing Gateway release of the sample minutes."""
    return load_demo().release
