import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # These tests make many users; the strength of the hash is not what they test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def super_admin_client(super_admin):
    client = Client()
    client.force_login(super_admin)
    return client


@pytest.fixture
def admin_client_(admin_user):
    """A client logged in as an admin (``is_admin``, not super admin)."""
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def person_as(event, organizer, make_user, user_with_role, super_admin):
    """``person_as("moderator")``: someone of that kind for ``event``; ``None`` for anonymous.

    Kinds: the four roles, "no_role" (logged in, no role in the event), "admin",
    "super_admin", "anonymous".
    """

    def make(who):
        if who == "anonymous":
            return None
        if who == "organizer":
            return organizer
        if who == "super_admin":
            return super_admin
        if who == "admin":
            return make_user(is_admin=True)
        if who == "no_role":
            return make_user()
        return user_with_role(event, who)

    return make
