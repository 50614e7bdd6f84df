"""Limits on what the pages accept (the API's: tests/api/test_input_limits.py): free
texts up to MAX_TEXT_LENGTH characters, names and titles up to their columns, dates and
times within DATETIME_MIN..DATETIME_MAX in UTC. Past them: a form error (400) and
nothing stored."""

import pytest
from django.urls import reverse

from events.models import MAX_TEXT_LENGTH, Event, Session, Speaker, Track
from tests.events.test_dashboard import session_data, url
from tests.events.test_wizard import details, step
from tests.tickets.test_formset import formset_data, free
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

LONG = "x" * (MAX_TEXT_LENGTH + 1)
LONGEST = "x" * MAX_TEXT_LENGTH
TOO_LONG = "Ensure this value has at most 10000 characters (it has 10001)."


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def settings_data(event, **fields):
    return details(name=event.name, timezone=event.timezone, **fields)


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
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [TOO_LONG]
    assert f'maxlength="{MAX_TEXT_LENGTH}"' in response.content.decode()
    assert not model.objects.exists()

    assert organizer_client.post(url(service, "create", event), {**data, field: LONGEST}).status_code == 302
    assert len(getattr(model.objects.get(), field)) == MAX_TEXT_LENGTH


def test_a_long_description_of_a_new_event_is_a_form_error(organizer_client):
    events = Event.objects.count()
    response = organizer_client.post(reverse("events:new"), details(description=LONG))
    assert response.status_code == 400
    assert response.context["form"].errors["description"] == [TOO_LONG]
    assert Event.objects.count() == events


def test_a_long_description_in_the_settings_changes_nothing(organizer_client, event):
    response = organizer_client.post(
        reverse("events:settings", args=[event.pk]), settings_data(event, description=LONG)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["description"] == [TOO_LONG]
    assert Event.objects.get(pk=event.pk).description == ""


def test_a_long_ticket_description_in_the_wizard_saves_nothing(organizer_client, event):
    response = organizer_client.post(step("tickets", event), formset_data([free(description=LONG)]))
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["description"] == [TOO_LONG]
    assert not Ticket.objects.exists()


def test_the_name_typed_to_delete_an_event_is_bounded(organizer_client, event):
    response = organizer_client.post(reverse("events:delete", args=[event.pk]), {"confirm_name": LONG})
    assert response.status_code == 400
    assert "at most 200 characters" in response.context["form"].errors["confirm_name"][0]
    assert Event.objects.filter(pk=event.pk).exists()
