"""Rules of permissions once, in permissions.services, whatever page asks."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from permissions import services
from permissions.models import EventRole, RoleInvite
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


def removable_roles(client, event):
    """The roles the roles page offers to remove (their EventRole ids) and the one it keeps."""
    page = client.get(reverse("events:roles", args=[event.pk])).content.decode()
    offered = {int(pk) for pk in re.findall(r"/roles/(\d+)/remove/", page)}
    return offered, "Last organizer" in page


def test_the_roles_page_keeps_the_role_revoke_role_keeps(event, organizer, user_with_role):
    client = Client()
    client.force_login(organizer)
    moderator = user_with_role(event, "moderator")
    rows = lambda: list(EventRole.objects.filter(event=event).select_related("role"))  # noqa: E731
    mine = EventRole.objects.get(event=event, user=organizer)
    theirs = EventRole.objects.get(event=event, user=moderator)
    assert services.kept_role(rows()) == mine
    assert removable_roles(client, event) == ({theirs.pk}, True)
    with pytest.raises(services.LastOrganizerError):
        services.revoke_role(event, organizer, "organizer", actor=organizer)

    second = user_with_role(event, "organizer")
    assert services.kept_role(rows()) is None
    seconds = EventRole.objects.get(event=event, user=second)
    assert removable_roles(client, event) == ({mine.pk, theirs.pk, seconds.pk}, False)
    assert services.revoke_role(event, second, "organizer", actor=organizer)
    assert services.kept_role(rows()) == mine
    assert removable_roles(client, event) == ({theirs.pk}, True)
