"""accounts.services: verbs on accounts take data, not forms."""

import pytest

from accounts.models import User
from accounts.services import sign_up
from core.errors import Conflict

pytestmark = pytest.mark.django_db


def test_sign_up_takes_data():
    user = sign_up("Nina@Example.com", "a long enough passphrase", "Nina New")
    assert (user.email, user.full_name) == ("nina@example.com", "Nina New")
    assert user.check_password("a long enough passphrase")
    assert (user.is_active, user.is_admin, user.is_super_admin) == (True, False, False)


def test_sign_up_with_a_taken_address_is_a_conflict_and_changes_nothing(user):
    """The insert itself refuses a taken address (the form's check may be outdated by
    then): ``Conflict``, which the sign-up page shows as a form error."""
    with pytest.raises(Conflict, match="already exists"):
        sign_up(user.email.upper(), "a long enough passphrase", "Someone Else")
    assert list(User.objects.values_list("full_name", flat=True)) == [user.full_name]
