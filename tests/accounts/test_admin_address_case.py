"""The admin's user forms check an address as it is stored (lower case): another spelling
of a taken address is a form error, not an IntegrityError (500) when the model saves it."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.utils import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(super_admin):
    client = Client(raise_request_exception=False)
    client.force_login(super_admin)
    return client


def test_adding_a_taken_address_in_another_case_is_a_form_error(admin_client, make_user):
    make_user("taken@example.com")
    data = {"email": "TAKEN@Example.COM", "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"}
    response = admin_client.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email="taken@example.com").count() == 1
    response = admin_client.post(reverse("admin:accounts_user_add"), {**data, "email": "Fresh@Example.com"})
    assert response.status_code == 302
    assert User.objects.filter(email="fresh@example.com").exists()


def test_changing_to_a_taken_address_in_another_case_is_a_form_error(admin_client, make_user):
    make_user("taken@example.com")
    user = make_user("mine@example.com")
    data = {
        "email": "Taken@EXAMPLE.com",
        "full_name": "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
    }
    change = reverse("admin:accounts_user_change", args=[user.pk])
    response = admin_client.post(change, data)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    user.refresh_from_db()
    assert user.email == "mine@example.com"
    # Its own address in another case is no change of address: still confirmed.
    response = admin_client.post(change, {**data, "email": "MINE@example.com"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.email_confirmed) == ("mine@example.com", True)
