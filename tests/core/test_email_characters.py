"""An e-mail address holds no control character or line separator, on every way in: Django's
own validator takes ESC or VT in a quoted local part and U+2028 in an internationalised
domain, and an address goes into mail headers, console output and CSV cells. Refused as
a form error or a JSON 400, nothing stored."""

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
from core.validators import check_email_address, validate_email_characters
from events.models import SessionInvite
from events.speakers import invite_speaker
from orders.models import Order
from permissions.models import Role, RoleInvite
from permissions.services import invite_to_role
from tests.factories import SessionFactory
from tests.utils import run_tasks

pytestmark = pytest.mark.django_db

# Addresses Django's validate_email takes, each with a character no address should hold.
HOSTILE = [
    pytest.param('"ada\x1bbob"@example.com', id="escape in a quoted local part"),
    pytest.param('"ada\x0bbob"@example.com', id="vertical tab in a quoted local part"),
    pytest.param('"ada\x7f"@example.com', id="DEL in a quoted local part"),
    pytest.param("ada@exa\u2028mple.com", id="line separator in the domain"),
    pytest.param("ada@exa\u2029mple.com", id="paragraph separator in the domain"),
]
PROJECT_APPS = {config.label for config in apps.get_app_configs() if Path(config.path).parent == BASE_DIR}


@pytest.mark.parametrize("address", HOSTILE)
def test_the_validator_refuses_what_djangos_takes(address):
    from django.core.validators import validate_email

    validate_email(address)  # the gap: Django's own validator takes it
    with pytest.raises(ValidationError):
        validate_email_characters(address)
    with pytest.raises(ValidationError) as excinfo:
        check_email_address(address)
    assert excinfo.value.message_dict == {"email": ["Enter a valid e-mail address."]}


@pytest.mark.parametrize("address", ["ada@example.com", "ada+tag@xn--bcher-kva.example", "zoë@bücher.example"])
def test_ordinary_addresses_pass(address):
    validate_email_characters(address)


def test_every_e_mail_field_has_the_validator():
    fields = {
        f"{model._meta.label}.{field.name}": field
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        for field in model._meta.concrete_fields
        if isinstance(field, models.EmailField)
    }
    assert {"accounts.User.email", "orders.Order.email", "permissions.RoleInvite.email"} <= set(fields)
    assert {name for name, field in fields.items() if validate_email_characters not in field.validators} == set()


@pytest.mark.parametrize("address", HOSTILE)
def test_sign_up_refuses_it(client, address):
    response = client.post(
        reverse("signup"),
        {"email": address, "full_name": "Ada", "password1": "a long pass 1", "password2": "a long pass 1"},
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert User.objects.count() == 0


@pytest.mark.parametrize("address", HOSTILE)
def test_a_role_invitation_refuses_it(organizer_client, event, address, mailoutbox):
    response = organizer_client.post(
        reverse("events:invite-create", args=[event.pk]), {"invite-email": address, "invite-role": "moderator"}
    )
    assert response.status_code == 200
    assert not RoleInvite.objects.exists()
    assert run_tasks() == 0
    assert mailoutbox == []


@pytest.mark.parametrize("address", HOSTILE)
def test_a_speaker_invitation_refuses_it(organizer_client, event, address):
    session = SessionFactory(event=event, title="Lightning talks")
    response = organizer_client.post(
        reverse("events:session-invites", args=[event.pk, session.pk]), {"email": address}
    )
    assert response.status_code == 200
    assert "Enter a valid e-mail address." in response.content.decode()
    assert not SessionInvite.objects.exists()


def test_the_services_refuse_it_from_anywhere(event, organizer):
    # The shell and the admin call the services without a form.
    session = SessionFactory(event=event, title="Keynote")
    with pytest.raises(ValidationError) as excinfo:
        invite_to_role(event, '"ada\x1b"@example.com', Role.MODERATOR, organizer)
    assert "email" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        invite_speaker(session, "ada@exa\u2028mple.com", invited_by=organizer)
    assert "email" in excinfo.value.message_dict
    assert not RoleInvite.objects.exists()
    assert not SessionInvite.objects.exists()


@pytest.mark.parametrize("address", HOSTILE)
def test_the_orders_api_refuses_it(shop, api_client, address):
    body = {"name": "Ada", "email": address, "lines": [{"ticket": shop.paid.pk, "quantity": 1}]}
    answer = api_client().post(f"/api/v1/events/{shop.pk}/orders/", body, format="json")
    assert answer.status_code == 400
    assert "email" in answer.json()
    assert not Order.objects.exists()


def test_the_order_form_refuses_it(shop):
    client = Client()
    page = client.get(reverse("event_public", args=[shop.slug])).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    hidden.pop("csrfmiddlewaretoken", None)
    data = {**hidden, "name": "Ada", "email": '"ada\x0b"@example.com', f"quantity_{shop.paid.pk}": "1"}
    response = client.post(reverse("event_order", args=[shop.slug]), data)
    assert response.status_code in (200, 400)
    assert "Enter a valid e-mail address." in response.content.decode()
    assert not Order.objects.exists()
