"""Rules of permissions once, in permissions.services, whatever page asks."""

import pytest
from django.test import Client

from accounts.models import User
from permissions import services
from permissions.models import RoleInvite
from tests.permissions.test_invitations import link_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(event, organizer):
    return services.invite_to_role(event, "ada@example.com", "moderator", organizer, actor=organizer)


def test_the_invitation_page_asks_for_a_log_in_only_of_an_active_account(invite, make_user):
    invite = RoleInvite.objects.get(pk=invite.pk)
    assert not services.invite_has_account(invite)
    page = Client().get(link_path(invite)).content.decode()
    assert "Create your account with ada@example.com" in page

    ada = make_user("ada@example.com")
    assert services.invite_has_account(invite)
    page = Client().get(link_path(invite)).content.decode()
    assert "Log in as ada@example.com to answer" in page

    User.objects.filter(pk=ada.pk).update(is_active=False)  # a closed account cannot log in
    assert not services.invite_has_account(invite)
    page = Client().get(link_path(invite)).content.decode()
    assert "Create your account with ada@example.com" in page
