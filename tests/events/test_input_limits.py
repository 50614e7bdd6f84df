"""Limits on what the pages accept (the API's: tests/api/test_input_limits.py): free
texts up to MAX_TEXT_LENGTH characters, names and titles up to their columns, dates and
times within DATETIME_MIN..DATETIME_MAX in UTC. Past them: the page again with its errors (200) and
nothing stored."""

from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from config.settings import BASE_DIR
from core.validators import DATETIME_RANGE_ERROR, MAX_TEXT_LENGTH, validate_datetime_range
from events.models import Event, Session, Speaker, Track
from tests.events.pages import details, session_data, step, url
from tests.tickets.formsets import formset_data, free
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

LONG = "x" * (MAX_TEXT_LENGTH + 1)
LONGEST = "x" * MAX_TEXT_LENGTH
TOO_LONG = "Ensure this value has at most 10000 characters (it has 10001)."


def settings_data(event, **fields):
    return details(**{"name": event.name, "timezone": event.timezone, **fields})


# --- lengths of texts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "data", "field", "model"),
    [
        ("track", {"name": "Web", "color": "#123456"}, "description", Track),
        ("speaker", {"name": "Ada"}, "bio", Speaker),
        ("session", None, "abstract", Session),
    ],
)
def test_a_long_text_on_a_service_page_is_a_form_error(organizer_client, event, service, data, field, model):
    data = session_data(event) if data is None else data
    response = organizer_client.post(url(service, "create", event), {**data, field: LONG})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [TOO_LONG]
    assert f'maxlength="{MAX_TEXT_LENGTH}"' in response.content.decode()
    assert not model.objects.exists()

    assert organizer_client.post(url(service, "create", event), {**data, field: LONGEST}).status_code == 302
    assert len(getattr(model.objects.get(), field)) == MAX_TEXT_LENGTH


def test_a_long_description_of_a_new_event_is_a_form_error(organizer_client):
    events = Event.objects.count()
    response = organizer_client.post(reverse("events:new"), details(description=LONG))
    assert response.status_code == 200
    assert response.context["form"].errors["description"] == [TOO_LONG]
    assert Event.objects.count() == events


def test_a_long_description_in_the_settings_changes_nothing(organizer_client, event):
    response = organizer_client.post(
        reverse("events:settings", args=[event.pk]), settings_data(event, description=LONG)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["description"] == [TOO_LONG]
    assert Event.objects.get(pk=event.pk).description == ""


def test_a_long_ticket_description_in_the_wizard_saves_nothing(organizer_client, event):
    response = organizer_client.post(step("tickets", event), formset_data([free(description=LONG)]))
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["description"] == [TOO_LONG]
    assert not Ticket.objects.exists()


def test_the_name_typed_to_delete_an_event_is_bounded(organizer_client, event):
    response = organizer_client.post(reverse("events:delete", args=[event.pk]), {"confirm_name": LONG})
    assert response.status_code == 200
    assert "at most 200 characters" in response.context["form"].errors["confirm_name"][0]
    assert Event.objects.filter(pk=event.pk).exists()


# --- dates and times -------------------------------------------------------------------------

# Values that leave Python's range once converted to UTC (year 0, year 10000), and values
# that fit but lie outside the window the server keeps.
EXTREMES = [
    pytest.param("starts_at", "0001-01-01T00:00", "Asia/Tokyo", id="year 1 at UTC+9"),
    pytest.param("ends_at", "9999-12-31T23:59", "Etc/GMT+12", id="year 9999 at UTC-12"),
    pytest.param("starts_at", "1899-12-31T23:59", "UTC", id="before 1900"),
    pytest.param("ends_at", "2201-01-01T00:00", "UTC", id="after 2200"),
    pytest.param("ends_at", "2200-12-31T23:00", "Etc/GMT+12", id="after 2200 in UTC only"),
]


def range_error(errors):
    return DATETIME_RANGE_ERROR in errors


@pytest.mark.parametrize(("field", "value", "zone"), EXTREMES)
def test_a_new_event_with_an_extreme_date_is_a_form_error(organizer_client, field, value, zone):
    events = Event.objects.count()
    response = organizer_client.post(reverse("events:new"), details(timezone=zone, **{field: value}))
    assert response.status_code == 200
    assert range_error(response.context["form"].errors[field])
    assert Event.objects.count() == events


@pytest.mark.parametrize("stored_zone", ["UTC", "Asia/Tokyo", "Etc/GMT+12", "Etc/GMT-14"])
@pytest.mark.parametrize(("field", "value", "zone"), EXTREMES)
def test_the_settings_refuse_an_extreme_date(organizer_client, make_event, organizer, stored_zone, field, value, zone):
    event = make_event(organizer, timezone=stored_zone)
    before = Event.objects.filter(pk=event.pk).values().get()
    response = organizer_client.post(
        reverse("events:settings", args=[event.pk]), settings_data(event, timezone=zone, **{field: value})
    )
    assert response.status_code == 200
    assert range_error(response.context["form"].errors[field])
    assert Event.objects.filter(pk=event.pk).values().get() == before
    # And the wizard's page of the same fields.
    response = organizer_client.post(step("details", event), settings_data(event, timezone=zone, **{field: value}))
    assert response.status_code == 200
    assert Event.objects.filter(pk=event.pk).values().get() == before


def test_the_window_keeps_ordinary_old_and_far_dates(organizer_client):
    response = organizer_client.post(
        reverse("events:new"),
        details(starts_at="1900-01-01T09:00", ends_at="2200-12-31T10:00", timezone="Asia/Tokyo"),
    )
    assert response.status_code == 302
    event = Event.objects.get(name="DjangoCon Wizard")
    assert (event.starts_at.year, event.ends_at.year) == (1900, 2200)
    assert organizer_client.get(event.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("zone", "field", "value"),
    [
        ("Asia/Tokyo", "starts_at", "0001-01-01T00:00"),
        ("Etc/GMT+12", "ends_at", "9999-12-31T23:59"),
        ("UTC", "starts_at", "1800-06-01T10:00"),
    ],
)
def test_a_session_with_an_extreme_date_is_a_form_error(organizer_client, make_event, organizer, zone, field, value):
    event = make_event(organizer, timezone=zone)
    response = organizer_client.post(url("session", "create", event), session_data(event, **{field: value}))
    assert response.status_code == 200
    assert range_error(response.context["form"].errors[field])
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("zone", "field", "value"),
    [
        ("Asia/Tokyo", "sales_starts_at", "0001-01-01T00:00"),
        ("Etc/GMT+12", "sales_ends_at", "9999-12-31T23:59"),
        ("UTC", "sales_starts_at", "1850-01-01T00:00"),
    ],
)
def test_a_ticket_with_an_extreme_sales_date_is_refused_by_the_wizard(
    organizer_client, make_event, organizer, zone, field, value
):
    event = make_event(organizer, timezone=zone)
    response = organizer_client.post(step("tickets", event), formset_data([free(**{field: value})]))
    assert response.status_code == 200
    assert range_error(response.context["formset"].forms[0].errors[field])
    assert not Ticket.objects.exists()


def test_pages_still_answer_after_the_attempts(organizer_client, admin_user, make_event, organizer):
    event = make_event(organizer, timezone="Asia/Tokyo")
    attempts = [("starts_at", "0001-01-01T00:00", "Asia/Tokyo"), ("ends_at", "9999-12-31T23:59", "Etc/GMT+12")]
    for field, value, zone in attempts:
        data = settings_data(event, timezone=zone, **{field: value})
        organizer_client.post(reverse("events:settings", args=[event.pk]), data)
        organizer_client.post(reverse("events:new"), details(timezone=zone, **{field: value}))
    for path in ["/", reverse("events:mine"), reverse("events:settings", args=[event.pk])]:
        assert organizer_client.get(path).status_code == 200, path
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get(reverse("events:all")).status_code == 200


# --- the rule, for every model ---------------------------------------------------------------

# Set by the server, or by the super admin in the admin only: not open to users.
NOT_USER_ENTERED = {
    "accounts.User.last_login",
    "accounts.User.date_joined",
    "permissions.RoleInvite.expires_at",
    "permissions.RoleInvite.answered_at",
    "notifications.Notification.received_at",
    "events.SessionInvite.expires_at",
    "events.SessionInvite.answered_at",
    "orders.Order.expires_at",
    "orders.Order.paid_at",
    "orders.Order.cancelled_at",
    "orders.IdempotencyRecord.created_at",
    "notifications.Notification.answer_by",
    "accounts.User.email_confirmed_at",
    "notifications.Notification.message",  # built by the server from bounded names
}
# Every app of this project (a new app is covered the day it appears).
PROJECT_APPS = {config.label for config in apps.get_app_configs() if Path(config.path).parent == BASE_DIR}


def project_fields(kind):
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            name = f"{model._meta.label}.{field.name}"
            if isinstance(field, kind) and field.editable and name not in NOT_USER_ENTERED:
                yield name, field


def test_every_date_and_time_users_enter_is_checked_for_its_range():
    fields = dict(project_fields(models.DateTimeField))
    assert "tickets.Ticket.sales_starts_at" in fields
    assert {name for name, field in fields.items() if validate_datetime_range not in field.validators} == set()


def test_every_free_text_has_the_limit():
    fields = dict(project_fields(models.TextField))
    assert "events.Session.abstract" in fields
    assert {name for name, field in fields.items() if field.max_length != MAX_TEXT_LENGTH} == set()
