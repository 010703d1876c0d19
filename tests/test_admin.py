"""The admin shows every record and changes none (writes go through the services)."""

import pytest
from django.apps import apps
from django.contrib import admin

from readiness.models import Action


def test_every_domain_model_is_registered():
    from django.apps import apps

    for model in apps.get_app_config("readiness").get_models():
        assert admin.site.is_registered(model), model


@pytest.mark.parametrize(
    "name",
    [
        "person",
        "release",
        "session",
        "participant",
        "agendaitem",
        "readinesscheck",
        "checklistitem",
        "decision",
        "condition",
        "action",
        "evidence",
        "event",
    ],
)
def test_it_lists_each_model(client, admin_user, sample_release, name):
    client.force_login(admin_user)
    response = client.get(f"/admin/readiness/{name}/")
    assert response.status_code == 200
    model = apps.get_model("readiness", name)
    count = model.objects.count()
    label = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
    assert f"{count} {label}" in response.text


def test_it_shows_a_record_read_only(client, admin_user, sample_release):
    client.force_login(admin_user)
    action = Action.objects.get(code="A1")
    response = client.get(f"/admin/readiness/action/{action.pk}/change/")
    assert response.status_code == 200
    assert "Save" not in response.text
    assert client.get("/admin/readiness/action/add/").status_code == 403


def test_it_keeps_non_staff_out(client, manager):
    client.force_login(manager)
    response = client.get("/admin/readiness/action/")
    assert response.status_code == 302
