"""The super admin's event pages (and the roles' titles) in the admin save and delete through the services: each
change is one entry with the super admin as its actor; a refused form logs nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from activity.models import ActivityEntry
from events.models import Event
from permissions.models import EventRole, Role
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

Action = ActivityEntry.Action


@pytest.fixture
def super_client(super_admin):
    client = Client(raise_request_exception=False)
    client.force_login(super_admin)
    return client


def event_form(event=None, **changes):
    data = {
        "name": event.name if event else "Admin Made",
        "slug": event.slug if event else "admin-made",
        "description": event.description if event else "",
        "starts_at_0": "2030-05-01",
        "starts_at_1": "09:00:00",
        "ends_at_0": "2030-05-02",
        "ends_at_1": "18:00:00",
        "timezone": "UTC",
        "location": "",
        "currency": "EUR",
        "state": event.state if event else "draft",
    }
    return {**data, **changes}


def test_an_event_changed_in_the_admin_is_logged_as_the_super_admin_s(super_client, super_admin, event):
    change = reverse("admin:events_event_change", args=[event.pk])
    assert super_client.post(change, event_form(event, name="Renamed In Admin")).status_code == 302
    entry = ActivityEntry.objects.get(actor=super_admin)
    assert (entry.action, entry.actor, entry.event_id) == (Action.UPDATED, super_admin, event.pk)
    assert entry.changes["name"] == [event.name, "Renamed In Admin"]
    # A refused form (an end before the start): nothing changed, nothing logged.
    count = ActivityEntry.objects.count()
    refused = event_form(event, name="Never Saved", ends_at_0="2030-04-01")
    assert super_client.post(change, refused).status_code == 200
    assert ActivityEntry.objects.count() == count
    assert Event.objects.get(pk=event.pk).name == "Renamed In Admin"


def test_an_event_added_in_the_admin_has_its_organizer_and_its_entry(super_client, super_admin):
    assert super_client.post(reverse("admin:events_event_add"), event_form()).status_code == 302
    made = Event.objects.get(slug="admin-made")
    assert (made.created_by, made.name) == (super_admin, "Admin Made")
    assert EventRole.objects.filter(event=made, user=super_admin, role__name="organizer").exists()
    created = ActivityEntry.objects.get(event=made, action=Action.CREATED, content_type__model="event")
    assert created.actor == super_admin


def test_an_event_deleted_in_the_admin_is_logged_as_the_super_admin_s(super_client, super_admin, event):
    delete = reverse("admin:events_event_delete", args=[event.pk])
    assert super_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Event.objects.filter(pk=event.pk).exists()
    entry = ActivityEntry.objects.get(action=Action.DELETED, content_type__model="event", object_id=event.pk)
    assert (entry.actor, entry.event_id, entry.event_label) == (super_admin, None, event.name)


def test_a_role_s_new_title_in_the_admin_is_logged_as_the_super_admin_s(super_client, super_admin):
    role = Role.objects.get(name=Role.MODERATOR)
    url = reverse("admin:permissions_role_change", args=[role.pk])
    assert super_client.post(url, {"title": "Session host"}).status_code == 302
    entry = ActivityEntry.objects.get(actor=super_admin)
    assert (entry.action, entry.event_id, entry.object_id) == (Action.UPDATED, None, role.pk)
    assert entry.changes == {"title": [role.title, "Session host"]}
    assert super_client.post(url, {"title": "Session host"}).status_code == 302  # the same: nothing logged
    assert ActivityEntry.objects.filter(actor=super_admin).count() == 1


def test_the_admin_publishes_only_a_complete_event_as_the_site_does(super_client, super_admin, event):
    change = reverse("admin:events_event_change", args=[event.pk])
    response = super_client.post(change, event_form(event, state="published", name="Renamed Too"), follow=True)
    assert "Add at least one ticket." in response.content.decode()
    event.refresh_from_db()
    assert event.state == "draft"
    assert event.name != "Renamed Too"  # all or nothing
    assert not ActivityEntry.objects.filter(actor=super_admin).exists()
    TicketFactory(event=event)
    assert super_client.post(change, event_form(event, state="published")).status_code == 302
    event.refresh_from_db()
    assert event.state == "published"
    entry = ActivityEntry.objects.get(actor=super_admin, action=Action.PUBLISHED)
    assert entry.event_id == event.pk


def test_the_admin_offers_no_django_groups(super_client):
    """Rights are the roles' and the matrix's: no group to grant model permissions with."""
    assert super_client.get("/admin/auth/group/").status_code == 404
    assert "/admin/auth/" not in super_client.get("/admin/").content.decode()
