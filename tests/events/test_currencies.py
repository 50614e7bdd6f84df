"""The currency list lives in events.currencies: the forms offer it, the model validates
against it, and no migration holds a copy of it."""

import pytest
from django.core.exceptions import ValidationError

from events.currencies import CURRENCY_CODES, validate_currency
from events.forms import EventSettingsForm
from events.models import Event


def test_the_model_field_has_no_choices_so_migrations_never_copy_the_list():
    field = Event._meta.get_field("currency")
    assert not field.choices
    assert validate_currency in field.validators
    _name, _path, _args, kwargs = field.deconstruct()
    assert "choices" not in kwargs


def test_the_settings_form_offers_every_currency_of_the_list():
    offered = {value for value, _label in EventSettingsForm().fields["currency"].choices}
    assert offered == set(CURRENCY_CODES)


@pytest.mark.parametrize("value", ["XXX", "eur", "", "EURO"])
def test_the_validator_refuses_codes_outside_the_list(value):
    with pytest.raises(ValidationError):
        validate_currency(value)


def test_the_admin_form_offers_the_list(admin_client_for_super):
    response = admin_client_for_super.get("/admin/events/event/add/")
    assert response.status_code == 200
    assert '<option value="JPY"' in response.content.decode()


@pytest.fixture
def admin_client_for_super(client, super_admin):
    client.force_login(super_admin)
    return client
