"""The orders' settings of an event (``orders.SalesSettings``: its payment instructions)
live with orders, not on the event: the event's Settings page shows them through the
section orders adds (``events.views.dashboard.add_settings_section``), saved with the
event's fields in one transaction and logged; the migration moved every stored text."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from activity.models import ActivityEntry
from events.models import Event
from orders.models import SalesSettings

pytestmark = pytest.mark.django_db


def settings_url(event):
    return reverse("events:settings", args=[event.pk])


def settings_form(event, **changes):
    """What the Settings page posts: the event's fields as they are, and the section's."""
    data = {
        "name": event.name,
        "description": event.description,
        "location": event.location,
        "starts_at": event.starts_at.astimezone(event.tzinfo).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": event.ends_at.astimezone(event.tzinfo).strftime("%Y-%m-%dT%H:%M"),
        "timezone": event.timezone,
        "currency": event.currency,
        "payment_instructions": SalesSettings.of(event).payment_instructions,
    }
    return {**data, **changes}


def instructions_of(event):
    with scopes_disabled():
        return SalesSettings.objects.filter(event=event).values_list("payment_instructions", flat=True).first()


def test_the_settings_page_saves_them_with_the_events_fields(organizer_client, event):
    response = organizer_client.post(
        settings_url(event), settings_form(event, name="Renamed", payment_instructions="IBAN DE00 9")
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.name == "Renamed"
    assert instructions_of(event) == "IBAN DE00 9"
    page = organizer_client.get(settings_url(event)).content.decode()
    assert "IBAN DE00 9" in page
    with scopes_disabled():
        entry = ActivityEntry.objects.filter(event=event, content_type__model="salessettings").get()
    assert (entry.action, entry.actor.email) == ("created", event.created_by.email)
    assert entry.changes["payment_instructions"] == [None, "IBAN DE00 9"]


def test_a_bad_section_saves_nothing_of_the_page(organizer_client, event):
    response = organizer_client.post(
        settings_url(event), settings_form(event, name="Renamed", payment_instructions="x" * 10_001)
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    event.refresh_from_db()
    assert event.name != "Renamed"
    assert instructions_of(event) is None


def test_a_bad_event_field_saves_nothing_of_the_section(organizer_client, event):
    response = organizer_client.post(settings_url(event), settings_form(event, name="", payment_instructions="IBAN"))
    assert response.status_code == 200
    assert instructions_of(event) is None


def test_who_may_only_read_the_event_sees_them_disabled(shop, user_with_role):
    client = Client()
    client.force_login(user_with_role(shop, "moderator"))
    page = client.get(settings_url(shop)).content.decode()
    assert "Pay to IBAN DE00 1234." in page
    assert 'name="payment_instructions"' in page
    textarea = re.search(r'<textarea[^>]*name="payment_instructions"[^>]*>', page)[0]
    assert " disabled" in textarea
    assert client.post(settings_url(shop), settings_form(shop, payment_instructions="Mine")).status_code == 403
    assert instructions_of(shop) == "Pay to IBAN DE00 1234."


def test_an_event_without_them_has_none(event):
    assert SalesSettings.of(event).payment_instructions == ""
    assert SalesSettings.of(event).pk is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_every_events_instructions_to_orders():
    before = [("events", "0011_email_characters"), ("orders", "0005_email_characters")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("events", "Event")
        paying = old.objects.create(name="Paying", slug="paying", payment_instructions="Pay to IBAN DE00 1.")
        free = old.objects.create(name="Free", slug="free")
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        with scopes_disabled():
            assert list(SalesSettings.objects.values_list("event_id", "payment_instructions")) == [
                (paying.pk, "Pay to IBAN DE00 1.")
            ]
        assert "payment_instructions" not in {field.name for field in Event._meta.get_fields()}
        # And back: the text returns to its event.
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old = executor.loader.project_state(before).apps.get_model("events", "Event")
        assert old.objects.get(pk=paying.pk).payment_instructions == "Pay to IBAN DE00 1."
        assert old.objects.get(pk=free.pk).payment_instructions == ""
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- the API -------------------------------------------------------------------------------


def api_url(event):
    return f"/api/v1/events/{event.pk}/sales-settings/"


def test_the_api_reads_and_changes_them(shop, as_organizer):
    assert as_organizer.get(api_url(shop)).json() == {"payment_instructions": "Pay to IBAN DE00 1234."}
    response = as_organizer.patch(api_url(shop), {"payment_instructions": "Cash at the door."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"payment_instructions": "Cash at the door."}
    assert instructions_of(shop) == "Cash at the door."
    with scopes_disabled():
        entry = ActivityEntry.objects.filter(event=shop, content_type__model="salessettings").latest("id")
    assert entry.changes["payment_instructions"] == ["Pay to IBAN DE00 1234.", "Cash at the door."]


def test_the_api_refuses_too_long_a_text_and_stores_nothing(shop, as_organizer):
    response = as_organizer.patch(api_url(shop), {"payment_instructions": "x" * 10_001}, format="json")
    assert response.status_code == 400
    assert "payment_instructions" in response.json()
    assert instructions_of(shop) == "Pay to IBAN DE00 1234."


def test_the_api_follows_the_events_row_of_the_matrix(shop, api_client, user_with_role):
    assert api_client().get(api_url(shop)).status_code == 401
    moderator = api_client(user_with_role(shop, "moderator"))
    assert moderator.get(api_url(shop)).status_code == 200  # every role reads the event
    assert moderator.patch(api_url(shop), {"payment_instructions": "Mine"}, format="json").status_code == 403
    assert instructions_of(shop) == "Pay to IBAN DE00 1234."


def test_the_api_honours_if_match(shop, as_organizer):
    tag = as_organizer.get(api_url(shop))["ETag"]
    with scopes_disabled():
        logged = ActivityEntry.objects.count()
    stale = as_organizer.patch(api_url(shop), {"payment_instructions": "Mine"}, format="json", HTTP_IF_MATCH='"old"')
    assert stale.status_code == 412
    assert "If-Match" in stale.json()["detail"]
    assert instructions_of(shop) == "Pay to IBAN DE00 1234."
    with scopes_disabled():
        assert ActivityEntry.objects.count() == logged
    current = as_organizer.patch(api_url(shop), {"payment_instructions": "Mine"}, format="json", HTTP_IF_MATCH=tag)
    assert current.status_code == 200
    assert instructions_of(shop) == "Mine"
    assert current["ETag"] != tag
    # The tag read before that change is stale now; none at all still writes.
    again = as_organizer.patch(api_url(shop), {"payment_instructions": "Again"}, format="json", HTTP_IF_MATCH=tag)
    assert again.status_code == 412
    assert as_organizer.patch(api_url(shop), {"payment_instructions": "Again"}, format="json").status_code == 200
    assert instructions_of(shop) == "Again"
