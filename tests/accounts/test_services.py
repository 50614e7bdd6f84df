"""accounts.services: verbs on accounts take data, not forms."""

import pytest

from accounts.services import sign_up

pytestmark = pytest.mark.django_db


def test_sign_up_takes_data():
    user = sign_up("Nina@Example.com", "a long enough passphrase", "Nina New")
    assert (user.email, user.full_name) == ("nina@example.com", "Nina New")
    assert user.check_password("a long enough passphrase")
    assert (user.is_active, user.is_admin, user.is_super_admin) == (True, False, False)
