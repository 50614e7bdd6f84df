"""Role invitations reach an account only once its address is confirmed: a stranger who
signs up with someone's address before they are invited gets nothing of theirs.

The attack (Step 13, item 2): the stranger signs up with the address, the Organizer invites
it as Co-organizer, the invitation lands in the stranger's bell and the stranger accepts.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from notifications.models import Notification
from permissions import checks, services
from permissions.models import RoleInvite
from tests.utils import PASSWORD, run_tasks

pytestmark = pytest.mark.django_db

VICTIM = "victim@example.com"


def link_path(invite):
    return reverse("permissions:invite", args=[services.invite_link(invite)])


@pytest.fixture
def invite_by_post(organizer, event, django_capture_on_commit_callbacks):
    organizer_client = Client()
    organizer_client.force_login(organizer)

    def post(email, role="coorganizer"):
        with django_capture_on_commit_callbacks(execute=True):
            response = organizer_client.post(
                reverse("events:invite-create", args=[event.pk]), {"invite-email": email, "invite-role": role}
            )
        assert response.status_code == 302
        run_tasks()  # the e-mail is a background task
        return RoleInvite.objects.get(email=email, status="pending")

    return post


@pytest.fixture
def stranger(client, django_capture_on_commit_callbacks):
    """Someone who signed up with VICTIM's address on the sign-up page (and so never opened
    the confirmation link sent to it), then logged in with the password they chose."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("signup"),
            {"email": VICTIM, "full_name": "Mallory", "password1": PASSWORD, "password2": PASSWORD},
        )
    run_tasks()
    assert client.post(reverse("login"), {"username": VICTIM, "password": PASSWORD}).status_code == 302
    return User.objects.get(email=VICTIM)


def confirmation_path(mail):
    return re.search(r"https?://[^/\s]+(/accounts/confirm/\S+/)", mail.body).group(1)


def test_an_unconfirmed_account_gets_no_invitation_in_its_bell_and_cannot_take_the_role(
    stranger, client, event, invite_by_post, mailoutbox
):
    assert stranger.email_confirmed_at is None
    invite = invite_by_post(VICTIM)
    assert not Notification.objects.filter(user=stranger).exists()
    center = client.get(reverse("notifications:center")).content.decode()
    assert link_path(invite) not in center
    assert not checks.has_role(stranger, event)
    # The invitation went to the address, by e-mail only.
    assert [mail.to for mail in mailoutbox][-1] == [VICTIM]
    # The stranger's account reads nothing of the event (a draft: 404).
    assert client.get(reverse("events:dashboard", args=[event.pk])).status_code == 404


def test_the_invitation_arrives_once_the_address_is_confirmed(
    stranger, client, event, invite_by_post, mailoutbox, django_capture_on_commit_callbacks
):
    [confirmation] = [mail for mail in mailoutbox if mail.to == [VICTIM]]
    invite = invite_by_post(VICTIM)
    assert not Notification.objects.filter(user=stranger).exists()

    # (Here the account's owner does own the address: they open its link, logged in.)
    path = confirmation_path(confirmation)
    assert "Confirm" in client.get(path).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path)
    assert response.status_code == 302
    stranger.refresh_from_db()
    assert stranger.email_confirmed_at is not None

    note = Notification.objects.get(user=stranger, action="Event-Role invite")
    assert (note.link, note.awaits_answer) == (link_path(invite), True)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(note.link, {"answer": "accept"}).status_code == 302
    assert checks.has_role(stranger, event, "coorganizer")


def test_the_confirmation_link_needs_the_accounts_password(stranger, client, mailoutbox):
    """Whoever has the address's mailbox but not the password (the address's real owner,
    in the attack) cannot confirm the stranger's account by opening the link."""
    [confirmation] = [mail for mail in mailoutbox if mail.to == [VICTIM]]
    path = confirmation_path(confirmation)
    anonymous = Client()
    response = anonymous.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    stranger.refresh_from_db()
    assert stranger.email_confirmed_at is None


def test_accepting_through_the_e_mailed_link_confirms_the_address(
    stranger, client, event, invite_by_post, mailoutbox, django_capture_on_commit_callbacks
):
    """Whoever holds both the e-mailed link and the account's password owns both."""
    invite = invite_by_post(VICTIM)
    mail = mailoutbox[-1]
    assert mail.to == [VICTIM]
    assert link_path(invite) in mail.body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link_path(invite), {"answer": "accept"})
    assert response.status_code == 302
    assert checks.has_role(stranger, event, "coorganizer")
    stranger.refresh_from_db()
    assert stranger.email_confirmed_at is not None


def test_a_password_reset_through_the_address_confirms_it_and_ends_the_strangers_sessions(
    stranger, client, event, invite_by_post, mailoutbox, django_capture_on_commit_callbacks
):
    """The address's real owner takes the account over through "forgot password"."""
    invite_by_post(VICTIM)
    owner = Client()
    with django_capture_on_commit_callbacks(execute=True):
        owner.post(reverse("password_reset"), {"email": VICTIM})
    run_tasks()
    reset = mailoutbox[-1]
    path = re.search(r"http://testserver(/accounts/password/reset/\S+/)", reset.body).group(1)
    form = owner.get(path, follow=True)
    new_password = "another-horse-battery-7"
    with django_capture_on_commit_callbacks(execute=True):
        done = owner.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    stranger.refresh_from_db()
    assert stranger.email_confirmed_at is not None
    assert Notification.objects.filter(user=stranger, action="Event-Role invite").exists()
    assert client.get(reverse("profile")).status_code == 302  # the stranger is logged out


def test_signing_up_through_the_invitations_link_confirms_the_address(
    client, event, invite_by_post, mailoutbox, django_capture_on_commit_callbacks
):
    invite_by_post("newcomer@example.com")
    path = re.search(r"http://testserver(/accounts/signup/\?invite=\S+)", mailoutbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"full_name": "New", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(email="newcomer@example.com")
    assert user.email_confirmed_at is not None
    assert checks.has_role(user, event, "coorganizer")
