"""The admin's "view on site" shortcut (``/admin/r/<content type id>/<object id>/``) hands
out no secret.

Django's shortcut redirects any staff member to the ``get_absolute_url()`` of any object
of any model, registered in the admin or not, without asking whether they may see it: a
read-only admin got every buyer's order link, secret included (``/admin/r/<order's
content type>/<id>/``, then the order could be cancelled with it). Here it answers only
for models registered on the admin site, for an object the person may view there; and no
model's ``get_absolute_url`` carries one of its secrets (the order's link is
``get_buyer_url``), so nothing generic (a shortcut, a "view on site" link, ``redirect(obj)``)
ever hands one out.
"""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from core.secrets import is_secret_field
from events.models import Event
from orders.models import Order
from permissions import services as permission_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(event):
    Event.objects.filter(pk=event.pk).update(state="published")
    return Order.objects.create(
        event=event, name="Ada", email="ada@example.com", expires_at=timezone.now() + timedelta(hours=1)
    )


def shortcut(obj):
    return f"/admin/r/{ContentType.objects.get_for_model(obj).pk}/{obj.pk}/"


def logged_in(person):
    client = Client()
    client.force_login(person)
    return client


@pytest.mark.parametrize("who", ["admin_user", "super_admin"])
def test_no_order_link_through_the_shortcut(request, who, order):
    answer = logged_in(request.getfixturevalue(who)).get(shortcut(order))
    assert answer.status_code == 404
    assert order.secret not in answer.get("Location", "")


@pytest.mark.parametrize("who", ["admin_user", "super_admin"])
def test_the_shortcut_serves_registered_models_only(request, who, event, order, organizer):
    """Every object of a model the admin site does not register: 404, whatever its
    ``get_absolute_url``; an event (registered, viewable) still goes to its page."""
    permission_services.invite_to_role(event, "newcomer@example.com", "moderator", organizer)
    client = logged_in(request.getfixturevalue(who))
    tried = 0
    for model in apps.get_models():
        if model in admin.site._registry:
            continue
        for obj in model._default_manager.all()[:3]:
            assert client.get(shortcut(obj)).status_code == 404, model._meta.label
            tried += 1
    assert tried > 5
    answer = client.get(shortcut(event))
    assert answer.status_code == 302
    assert answer["Location"].endswith(event.get_absolute_url())
    assert client.get(f"/admin/r/{ContentType.objects.get_for_model(Event).pk}/999999/").status_code == 404
    assert client.get("/admin/r/999999/1/").status_code == 404
    assert client.get("/admin/r/abc/1/").status_code == 404


def test_the_shortcut_asks_whether_the_person_may_view_the_object(event, admin_user, super_admin, monkeypatch):
    """An object the person may not view in the admin is not found through the shortcut
    either (as if events were the super admin's alone to read there)."""
    event_admin = admin.site._registry[Event]
    monkeypatch.setattr(event_admin, "has_view_permission", lambda request, obj=None: request.user.is_super_admin)
    monkeypatch.setattr(event_admin, "has_change_permission", lambda request, obj=None: request.user.is_super_admin)
    assert logged_in(admin_user).get(shortcut(event)).status_code == 404
    assert logged_in(super_admin).get(shortcut(event)).status_code == 302
    client = Client()
    assert "/admin/login/" in client.get(shortcut(event))["Location"]  # anonymous: the log-in page


def test_no_models_absolute_url_carries_a_secret(event, order, organizer):
    """``get_absolute_url`` is the object's public address: generic code (the admin, the
    shortcut, ``redirect(obj)``, feeds) hands it to anyone who may see the object."""
    permission_services.invite_to_role(event, "newcomer@example.com", "moderator", organizer)
    checked = 0
    for model in apps.get_models():
        if not hasattr(model, "get_absolute_url"):
            continue
        secrets = [field for field in model._meta.concrete_fields if is_secret_field(model, field)]
        for obj in model._default_manager.all()[:5]:
            url = obj.get_absolute_url()
            for field in secrets:
                value = getattr(obj, field.attname)
                assert not value or str(value) not in url, (model._meta.label, field.name)
            checked += 1
    assert checked >= 1
    assert order.secret in order.get_buyer_url()
