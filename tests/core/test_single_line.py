"""Names and titles are single-line text on every way in (pages, the API, the admin,
services): a line break or another control character is a form error or a JSON 400 and
changes nothing. E-mails built from names that were stored before the rule still go,
with a one-line subject, and an e-mail that cannot be sent never turns a stored change
into a 500."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse

from accounts.models import User
from config.settings import BASE_DIR
from core.validators import SINGLE_LINE_ERROR, single_line, validate_single_line
from events.models import Event, Microlocation, Session, SessionInvite, Speaker, Sponsor, Track
from orders.models import Order
from permissions.models import RoleInvite
from tests.events.pages import details, session_data, step, url
from tests.factories import SessionFactory
from tests.tickets.formsets import formset_data, free
from tests.utils import run_tasks
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

# Every kind of line break and control character, each inside an otherwise fine name.
BREAKS = {
    "LF": "\n",
    "CR": "\r",
    "CRLF": "\r\n",
    "tab": "\t",
    "vertical tab": "\x0b",
    "form feed": "\x0c",
    "escape": "\x1b",
    "DEL": "\x7f",
    "NEL": "\x85",
    "C1": "\x9b",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
}
BROKEN = [pytest.param(f"Py{c}Con", id=name) for name, c in BREAKS.items()]
FINE = ["PyCon", "Ada Lovelace", "Zoë & Łukasz – «Keynote» 🎉", "日本語のセッション", 'O\'Brien "Bob"']


# --- the validator ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", BROKEN)
def test_the_validator_refuses_line_breaks_and_controls(value):
    with pytest.raises(ValidationError) as excinfo:
        validate_single_line(value)
    assert excinfo.value.messages == [SINGLE_LINE_ERROR]


@pytest.mark.parametrize("value", FINE)
def test_the_validator_accepts_ordinary_names(value):
    validate_single_line(value)


def test_single_line_makes_anything_one_line():
    assert single_line("Py\r\nCon\u2028 2031\x00\t!") == "Py Con 2031 !"
    assert single_line("") == ""
    assert single_line(None) == ""


# --- the rule, for every model ----------------------------------------------------------------

# Fields that are not free single-line text a person types: closed lists checked by their
# own validators, or values the server writes (from names already checked).
NOT_FREE_TEXT = {
    "events.Event.timezone",  # a tz database name (validate_timezone)
    "events.Event.currency",  # a code of the list (validate_currency)
    "events.Track.color",  # #rrggbb
    "orders.Order.code",  # drawn by the server
    "accounts.User.password",  # a hash
}
# Models whose rows only the server writes (from names already checked, digests, paths).
SERVER_WRITTEN = {"activity.ActivityEntry", "notifications.Notification", "orders.IdempotencyRecord"}
PROJECT_APPS = {config.label for config in apps.get_app_configs() if Path(config.path).parent == BASE_DIR}


def single_line_fields():
    """Every editable plain CharField (no choices) of the project's models: names, titles."""
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model._meta.label in SERVER_WRITTEN:
            continue
        for field in model._meta.concrete_fields:
            if type(field) is models.CharField and field.editable and not field.choices:
                yield f"{model._meta.label}.{field.name}", field


def test_every_name_and_title_is_single_line():
    fields = dict(single_line_fields())
    assert {"events.Event.name", "events.Session.title", "tickets.Ticket.name", "orders.Order.name"} <= set(fields)
    missing = {name for name, field in fields.items() if validate_single_line not in field.validators}
    assert missing - NOT_FREE_TEXT == set()


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BROKEN)
def test_a_new_event_named_on_two_lines_is_a_form_error(organizer_client, name):
    events = Event.objects.count()
    response = organizer_client.post(reverse("events:new"), details(name=name))
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [SINGLE_LINE_ERROR]
    assert Event.objects.count() == events


@pytest.mark.parametrize("field", ["name", "location"])
def test_the_settings_refuse_a_line_break(organizer_client, event, field):
    before = Event.objects.filter(pk=event.pk).values().get()
    data = details(**{"name": event.name, "timezone": event.timezone, field: "Lisbon\r\nX-Injected: 1"})
    response = organizer_client.post(reverse("events:settings", args=[event.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [SINGLE_LINE_ERROR]
    assert Event.objects.filter(pk=event.pk).values().get() == before


@pytest.mark.parametrize(
    ("service", "data", "field", "model"),
    [
        ("track", {"name": "Web", "color": "#123456"}, "name", Track),
        ("microlocation", {"name": "Hall"}, "name", Microlocation),
        ("speaker", {"name": "Ada"}, "name", Speaker),
        ("speaker", {"name": "Ada"}, "organisation", Speaker),
        ("sponsor", {"name": "ACME"}, "name", Sponsor),
        ("sponsor", {"name": "ACME"}, "level", Sponsor),
        ("session", None, "title", Session),
    ],
)
def test_a_line_break_in_a_resource_name_is_a_form_error(organizer_client, event, service, data, field, model):
    data = session_data(event) if data is None else data
    response = organizer_client.post(url(service, "create", event), {**data, field: "Two\nlines"})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [SINGLE_LINE_ERROR]
    assert not model.objects.exists()


def test_a_line_break_in_a_ticket_name_saves_nothing(organizer_client, event):
    response = organizer_client.post(step("tickets", event), formset_data([free(name="Early\rbird")]))
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["name"] == [SINGLE_LINE_ERROR]
    assert not Ticket.objects.exists()


def test_a_speaker_invite_with_a_two_line_name_is_a_form_error(organizer_client, event):
    session = SessionFactory(event=event, title="Lightning talks")
    target = reverse("events:session-invites", args=[event.pk, session.pk])
    response = organizer_client.post(target, {"email": "ada@example.com", "name": "Ada\nBcc: x@example.com"})
    assert response.status_code == 200
    assert SINGLE_LINE_ERROR in response.content.decode()
    assert not SessionInvite.objects.exists()


def test_the_profile_and_the_sign_up_refuse_a_two_line_name(client, user):
    client.force_login(user)
    response = client.post(reverse("profile"), {"full_name": "Ada\u2028Lovelace"})
    assert response.status_code == 200
    assert response.context["form"].errors["full_name"] == [SINGLE_LINE_ERROR]
    user.refresh_from_db()
    assert user.full_name != "Ada\u2028Lovelace"
    client.logout()
    response = client.post(
        reverse("signup"),
        {
            "email": "new@example.com",
            "full_name": "Ada\rLovelace",
            "password1": "a long pass 1",
            "password2": "a long pass 1",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["full_name"] == [SINGLE_LINE_ERROR]
    assert not User.objects.filter(email="new@example.com").exists()


def order_form_data(client, shop, **fields):
    """The order form as the event's page gives it (with its hidden fields), filled in."""
    page = client.get(reverse("event_public", args=[shop.slug])).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    hidden.pop("csrfmiddlewaretoken", None)
    return {**hidden, "email": "ada@example.com", f"quantity_{shop.paid.pk}": "1", **fields}


def test_the_order_form_refuses_a_two_line_buyer_name(shop):
    client = Client()
    response = client.post(
        reverse("event_order", args=[shop.slug]), order_form_data(client, shop, name="Ada\nLovelace")
    )
    assert response.status_code in (200, 400)
    assert SINGLE_LINE_ERROR in response.content.decode()
    assert not Order.objects.exists()


def test_the_admin_refuses_a_two_line_name(client, super_admin, event):
    client.force_login(super_admin)
    response = client.post(
        reverse("admin:events_track_add"), {"event": event.pk, "name": "Web\nDev", "color": "#123456"}
    )
    assert response.status_code == 200
    assert SINGLE_LINE_ERROR in response.content.decode()
    assert not Track.objects.exists()


# --- the API ---------------------------------------------------------------------------------


def assert_refused(answer, field):
    assert answer.status_code == 400, answer.content[:300]
    assert answer.json()[field] == [SINGLE_LINE_ERROR]


@pytest.mark.parametrize("name", BROKEN)
def test_the_api_refuses_a_two_line_event_name(as_organizer, name):
    events = Event.objects.count()
    answer = as_organizer.post(reverse("api:event-list"), {"name": name, "timezone": "UTC"}, format="json")
    assert_refused(answer, "name")
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    ("resource", "data", "field", "model"),
    [
        ("track", {"name": "Web"}, "name", Track),
        ("microlocation", {"name": "Hall"}, "name", Microlocation),
        ("speaker", {"name": "Ada"}, "name", Speaker),
        ("sponsor", {"name": "ACME"}, "level", Sponsor),
        ("session", None, "title", Session),
        ("ticket", {"name": "Free", "type": "free", "quantity": 10}, "name", Ticket),
    ],
)
def test_the_api_refuses_a_two_line_resource_name(as_organizer, event, resource, data, field, model):
    if data is None:
        data = {"title": "Talk", "starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat()}
    answer = as_organizer.post(
        reverse(f"api:{resource}-list", args=[event.pk]), {**data, field: "A\r\nB"}, format="json"
    )
    assert_refused(answer, field)
    assert not model.objects.exists()


def test_the_api_refuses_renaming_to_two_lines(as_organizer, event):
    track = Track.objects.create(event=event, name="Main track")
    answer = as_organizer.patch(
        reverse("api:track-detail", args=[event.pk, track.pk]), {"name": "Main\ntrack"}, format="json"
    )
    assert_refused(answer, "name")
    track.refresh_from_db()
    assert (track.name, track.version) == ("Main track", 1)


def test_the_orders_api_refuses_a_two_line_buyer_name(shop, api_client):
    body = {"name": "Ada\x85Lovelace", "email": "ada@example.com", "lines": [{"ticket": shop.paid.pk, "quantity": 1}]}
    answer = api_client().post(f"/api/v1/events/{shop.pk}/orders/", body, format="json")
    assert_refused(answer, "name")
    assert not Order.objects.exists()


# --- e-mails about names stored before the rule ----------------------------------------------


@pytest.fixture
def two_line_event(event):
    """An event whose name was stored before names were single-line (bypassing validation)."""
    Event.objects.filter(pk=event.pk).update(name="PyCon\r\n2031\nBcc: someone@example.com")
    event.refresh_from_db()
    return event


def test_inviting_to_a_two_line_event_sends_the_invitation(
    organizer_client, two_line_event, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(
            reverse("events:invite-create", args=[two_line_event.pk]),
            {"invite-email": "ada@example.com", "invite-role": "moderator"},
        )
    assert response.status_code == 302
    assert RoleInvite.objects.filter(email="ada@example.com").exists()
    run_tasks()  # the e-mail is a background task
    [mail] = mailoutbox
    assert mail.subject == "Invitation: Moderator of PyCon 2031 Bcc: someone@example.com"
    assert mail.to == ["ada@example.com"]
    assert not mail.bcc
    headers = mail.message().as_bytes().split(b"\n\n", 1)[0].split(b"\n")
    assert not [line for line in headers if line.lower().startswith(b"bcc")]


def test_inviting_a_speaker_to_a_two_line_session_sends_the_invitation(
    organizer_client, two_line_event, mailoutbox, django_capture_on_commit_callbacks
):
    session = SessionFactory(event=two_line_event, title="Lightning talks")
    Session.objects.filter(pk=session.pk).update(title="Lightning\ntalks")
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(
            reverse("events:session-invites", args=[two_line_event.pk, session.pk]), {"email": "ada@example.com"}
        )
    assert response.status_code == 302
    run_tasks()
    [mail] = mailoutbox
    assert "\n" not in mail.subject
    assert "Lightning talks" in mail.subject


def test_an_order_of_a_two_line_event_is_confirmed_by_e_mail(shop, mailoutbox, django_capture_on_commit_callbacks):
    Event.objects.filter(pk=shop.pk).update(name="Py\nCon")
    client = Client()
    data = order_form_data(client, shop, name="Ada Lovelace")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("event_order", args=[shop.slug]), data)
    assert response.status_code == 303
    run_tasks()
    [mail] = mailoutbox
    assert mail.subject == f"Your order {Order.objects.get().code} – Py Con"


def test_an_e_mail_that_cannot_be_sent_does_not_undo_or_fail_the_invitation(
    organizer_client, event, settings, django_capture_on_commit_callbacks
):
    # A real SMTP backend aimed at a port where nothing listens: sending fails.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(
            reverse("events:invite-create", args=[event.pk]),
            {"invite-email": "ada@example.com", "invite-role": "moderator"},
        )
    assert response.status_code == 302
    assert RoleInvite.objects.filter(email="ada@example.com", status="pending").exists()
