import pytest
from django.test import Client


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
