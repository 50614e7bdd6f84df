"""Role invitations: the Organizer invites an e-mail address; the invited person, and only
they, accepts or declines through the link, once, before it expires."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification
from permissions import checks, services
from permissions.models import RoleInvite
from tests.utils import PASSWORD, run_tasks

pytestmark = pytest.mark.django_db


def roles_url(event):
    return reverse("events:roles", args=[event.pk])


def invite_url(event):
    return reverse("events:invite-create", args=[event.pk])


def link_path(invite):
    return reverse("permissions:invite", args=[services.invite_link(invite)])


@pytest.fixture
def organizer_client(organizer):
    """The Organizer's own browser (``client`` stays free for the invited person)."""
    client = Client()
    client.force_login(organizer)
    return client


@pytest.fixture
def invite_by_post(organizer_client, event, django_capture_on_commit_callbacks):
    """``invite_by_post(email, role)``: the Organizer submits the roles page's invite form."""

    def post(email, role="moderator"):
        with django_capture_on_commit_callbacks(execute=True):
            response = organizer_client.post(invite_url(event), {"invite-email": email, "invite-role": role})
        run_tasks()  # the e-mail is a background task
        return response

    return post


def answer(client, invite, choice, capture):
    with capture(execute=True):
        return client.post(link_path(invite), {"answer": choice})


# --- an existing user ------------------------------------------------------------------


def test_an_existing_user_is_notified_and_accepts(
    invite_by_post, event, organizer, make_user, client, mailoutbox, django_capture_on_commit_callbacks
):
    ada = make_user("ada@example.com", full_name="Ada")
    response = invite_by_post("ADA@example.com")
    assert response.status_code == 302
    invite = RoleInvite.objects.get()
    assert (invite.email, invite.role.name, invite.status, invite.invited_by) == (
        "ada@example.com",
        "moderator",
        "pending",
        organizer,
    )
    # An e-mail too, as anyone invited gets (the inviter cannot tell who has an account),
    # with the invitation's link rather than a sign-up link.
    [mail] = mailoutbox
    assert mail.to == ["ada@example.com"]
    assert f"http://testserver{link_path(invite)}" in mail.body
    assert "signup" not in mail.body
    notification = Notification.objects.get(user=ada)
    assert (notification.action, notification.link, notification.awaits_answer) == (
        "Event-Role invite",
        link_path(invite),
        True,
    )
    assert notification.title == f"Invitation: Moderator of {event.name}"

    client.force_login(ada)
    page = client.get(link_path(invite)).content.decode()
    assert 'value="accept"' in page
    assert 'value="decline"' in page
    # The notification center offers Accept and Decline, posted to the invitation's link.
    center = client.get(reverse("notifications:center")).content.decode()
    assert f'action="{link_path(invite)}"' in center
    assert 'data-testid="notif-accept"' in center

    response = answer(client, invite, "accept", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("events:dashboard", args=[event.pk])
    assert checks.has_role(ada, event, "moderator")
    invite.refresh_from_db()
    assert (invite.status, invite.accepted_by) == ("accepted", ada)
    notification.refresh_from_db()
    assert notification.has_read  # dealt with, so no longer counted
    # Answered: the notification no longer offers Accept and Decline.
    assert not notification.awaits_answer
    center = client.get(reverse("notifications:center")).content.decode()
    assert f'action="{link_path(invite)}"' not in center
    told = Notification.objects.get(user=organizer)
    assert told.title == f"Ada accepted: Moderator of {event.name}"
    assert (told.action, told.link) == ("Invitation answered", roles_url(event))


def test_the_invited_user_may_decline(invite_by_post, event, make_user, client, django_capture_on_commit_callbacks):
    ada = make_user("ada@example.com")
    invite_by_post(ada.email)
    invite = RoleInvite.objects.get()
    client.force_login(ada)
    response = answer(client, invite, "decline", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    invite.refresh_from_db()
    assert invite.status == "declined"
    assert not checks.has_role(ada, event)
    assert client.get(link_path(invite)).status_code == 410


def test_the_wrong_user_cannot_accept(invite_by_post, event, make_user, client, django_capture_on_commit_callbacks):
    make_user("ada@example.com")
    mallory = make_user("mallory@example.com")
    invite_by_post("ada@example.com")
    invite = RoleInvite.objects.get()

    client.force_login(mallory)
    page = client.get(link_path(invite))
    assert page.status_code == 403
    assert "This invitation is for someone else" in page.content.decode()
    response = answer(client, invite, "accept", django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert "This invitation is for someone else" in response.content.decode()
    assert not checks.has_role(mallory, event)
    invite.refresh_from_db()
    assert invite.status == "pending"


def test_answering_needs_a_log_in(invite_by_post, make_user, client):
    make_user("ada@example.com")
    invite_by_post("ada@example.com")
    invite = RoleInvite.objects.get()
    page = client.get(link_path(invite)).content.decode()
    assert "Log in as ada@example.com to answer" in page
    response = client.post(link_path(invite), {"answer": "accept"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    invite.refresh_from_db()
    assert invite.status == "pending"


def test_a_used_link_is_refused(invite_by_post, make_user, client, django_capture_on_commit_callbacks):
    ada = make_user("ada@example.com")
    invite_by_post(ada.email)
    invite = RoleInvite.objects.get()
    client.force_login(ada)
    answer(client, invite, "accept", django_capture_on_commit_callbacks)

    again = answer(client, invite, "accept", django_capture_on_commit_callbacks)
    assert again.status_code == 410
    assert "This invitation has already been used." in again.content.decode()


def test_an_expired_link_is_refused(invite_by_post, event, make_user, client, django_capture_on_commit_callbacks):
    ada = make_user("ada@example.com")
    invite_by_post(ada.email)
    invite = RoleInvite.objects.get()
    RoleInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(ada)
    for response in (
        client.get(link_path(invite)),
        answer(client, invite, "accept", django_capture_on_commit_callbacks),
    ):
        assert response.status_code == 410
        assert "This invitation has expired. Ask the organizer to invite you again." in response.content.decode()
    assert not checks.has_role(ada, event)


@pytest.mark.parametrize("link", ["nonsense", "abc:def", "forged-token:" + "A" * 27])
def test_a_link_that_is_not_ours_is_refused(client, link):
    response = client.get(reverse("permissions:invite", args=[link]))
    assert response.status_code == 404
    assert "This invitation link is not valid." in response.content.decode()


def test_the_bare_token_without_its_signature_is_no_link(invite_by_post, make_user, client):
    make_user("ada@example.com")
    invite_by_post("ada@example.com")
    invite = RoleInvite.objects.get()
    assert client.get(reverse("permissions:invite", args=[invite.token])).status_code == 404
    signed_otherwise = signing.Signer(salt="another purpose").sign(invite.token)
    assert client.get(reverse("permissions:invite", args=[signed_otherwise])).status_code == 404


# --- someone without an account --------------------------------------------------------


def signup_link(mail):
    return re.search(r"http://testserver(/accounts/signup/\?invite=\S+)", mail.body).group(1)


def test_someone_without_an_account_gets_an_e_mail_and_signs_up_into_the_role(
    invite_by_post, event, client, mailoutbox
):
    invite_by_post("newcomer@example.com", "coorganizer")
    [mail] = mailoutbox
    assert mail.to == ["newcomer@example.com"]
    assert mail.subject == f"Invitation: Co-organizer of {event.name}"
    assert "Olga Organizer invites you to be Co-organizer" in mail.body
    link = signup_link(mail)

    page = client.get(link).content.decode()
    assert "You were invited to be <strong>Co-organizer</strong>" in page
    assert 'value="newcomer@example.com"' in page

    response = client.post(
        link, {"email": "newcomer@example.com", "full_name": "New", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("events:dashboard", args=[event.pk])
    invite = RoleInvite.objects.get()
    assert invite.status == "accepted"
    assert checks.has_role(invite.accepted_by, event, "coorganizer")

    # Single use: the same link again is refused, with the reason.
    client.logout()
    again = client.get(link).content.decode()
    assert "This invitation has already been used." in again


def test_signing_up_with_another_address_is_refused_before_anything_is_made(invite_by_post, event, client, mailoutbox):
    invite_by_post("newcomer@example.com")
    link = signup_link(mailoutbox[0])
    response = client.post(
        link, {"email": "someone.else@example.com", "full_name": "", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200
    assert "This invitation is for newcomer@example.com" in response.content.decode()
    assert not User.objects.filter(email__in=["someone.else@example.com", "newcomer@example.com"]).exists()
    assert "_auth_user_id" not in client.session  # nobody is logged in
    assert RoleInvite.objects.get().status == "pending"


def test_the_invited_address_is_fixed_on_the_sign_up_page(invite_by_post, event, client, mailoutbox):
    invite_by_post("newcomer@example.com")
    link = signup_link(mailoutbox[0])
    page = client.get(link).content.decode()
    field = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    assert 'value="newcomer@example.com"' in field
    assert "disabled" in field
    # A browser does not send a disabled field: the account gets the invited address.
    response = client.post(link, {"full_name": "New", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(email="newcomer@example.com")
    assert checks.has_role(user, event, "moderator")


def test_an_invitation_withdrawn_before_the_sign_up_makes_no_account(invite_by_post, client, mailoutbox, monkeypatch):
    invite_by_post("newcomer@example.com")
    link = signup_link(mailoutbox[0])
    invite = RoleInvite.objects.get()
    find_invite = services.find_invite

    def found_then_revoked(signed):  # the organizer revokes it just after the page checked the link
        found = find_invite(signed)
        services.revoke_invite(invite)
        return found

    monkeypatch.setattr(services, "find_invite", found_then_revoked)
    data = {"email": "newcomer@example.com", "full_name": "New", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(link, data)
    assert response.status_code == 410
    assert "This invitation was withdrawn by the organizer." in response.content.decode()
    assert not User.objects.filter(email="newcomer@example.com").exists()
    assert "_auth_user_id" not in client.session


def test_signing_up_through_an_expired_link_says_so(invite_by_post, client, mailoutbox):
    invite_by_post("newcomer@example.com")
    RoleInvite.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    page = client.get(signup_link(mailoutbox[0])).content.decode()
    assert "This invitation has expired. Ask the organizer to invite you again." in page


def test_no_e_mail_for_an_invitation_rolled_back(event, organizer, mailoutbox, django_capture_on_commit_callbacks):
    def invite_then_fail():
        with transaction.atomic():
            services.invite_to_role(event, "newcomer@example.com", "moderator", organizer)
            raise RuntimeError("something after it failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        invite_then_fail()
    assert run_tasks() == 0  # the e-mail's task went with the rollback
    assert mailoutbox == []
    assert not RoleInvite.objects.exists()


# --- the Organizer's side --------------------------------------------------------------


def test_the_roles_page_lists_pending_invitations(invite_by_post, organizer_client, event):
    invite_by_post("newcomer@example.com")
    page = organizer_client.get(roles_url(event)).content.decode()
    assert 'data-testid="invite-form"' in page
    assert "newcomer@example.com · Moderator" in page


def test_revoke(invite_by_post, organizer_client, event, make_user, client, django_capture_on_commit_callbacks):
    ada = make_user("ada@example.com")
    invite_by_post(ada.email)
    invite = RoleInvite.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(reverse("events:invite-revoke", args=[event.pk, invite.pk]))
    assert response.status_code == 302
    invite.refresh_from_db()
    assert invite.status == "revoked"
    assert not Notification.objects.filter(user=ada, has_read=False).exists()
    assert not Notification.objects.filter(user=ada, awaits_answer=True).exists()
    assert "ada@example.com · Moderator" not in organizer_client.get(roles_url(event)).content.decode()

    client.force_login(ada)
    refused = answer(client, invite, "accept", django_capture_on_commit_callbacks)
    assert refused.status_code == 410
    assert "This invitation was withdrawn by the organizer." in refused.content.decode()
    assert not checks.has_role(ada, event)


def test_an_invitation_of_another_event_cannot_be_revoked_here(
    invite_by_post, organizer_client, make_event, organizer
):
    invite_by_post("newcomer@example.com")
    other_event = make_event(organizer, name="Other")
    invite = RoleInvite.objects.get()
    response = organizer_client.post(reverse("events:invite-revoke", args=[other_event.pk, invite.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("not-an-address", "moderator", "Enter a valid email address."),
        ("organizer@example.com", "organizer", "organizer@example.com already is Organizer of this event."),
        ("newcomer@example.com", "moderator", "newcomer@example.com has already been invited as Moderator"),
    ],
)
def test_bad_invitations_are_form_errors(invite_by_post, email, role, message):
    invite_by_post("newcomer@example.com")
    response = invite_by_post(email, role)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert RoleInvite.objects.count() == 1


def test_an_expired_pending_invitation_is_replaced(invite_by_post, mailoutbox):
    invite_by_post("newcomer@example.com")
    RoleInvite.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert invite_by_post("newcomer@example.com").status_code == 302
    assert sorted(RoleInvite.objects.values_list("status", flat=True)) == ["pending", "revoked"]
    assert len(mailoutbox) == 2


@pytest.mark.parametrize("role", ["coorganizer", "track_organizer", "moderator"])
def test_only_the_organizer_invites_and_revokes(client, event, user_with_role, invite_by_post, role):
    invite_by_post("newcomer@example.com")
    invite = RoleInvite.objects.get()
    client.force_login(user_with_role(event, role))
    assert (
        client.post(invite_url(event), {"invite-email": "x@example.com", "invite-role": "organizer"}).status_code
        == 403
    )
    assert client.post(reverse("events:invite-revoke", args=[event.pk, invite.pk])).status_code == 403
    assert 'data-testid="invite-form"' not in client.get(roles_url(event)).content.decode()
    assert RoleInvite.objects.get().status == "pending"


def test_an_invitation_changed_outside_the_services_moves_its_notifications(
    invite_by_post, make_user, api_client, django_capture_on_commit_callbacks
):
    # The super admin's change form (or manage.py shell) saves the invitation itself: its
    # notification follows, with a new ETag, instead of offering Accept and Decline until
    # the old expiry or after it was withdrawn.
    ada = make_user("ada@example.com")
    invite_by_post("ada@example.com")
    invite = RoleInvite.objects.get()
    notification = Notification.objects.get(user=ada)
    client = api_client(ada)
    url = reverse("api:notification-detail", args=[notification.pk])
    tag = client.get(url)["ETag"]
    sooner = timezone.now() + timedelta(hours=1)
    invite.expires_at = sooner
    with django_capture_on_commit_callbacks(execute=True):
        invite.save()
    notification.refresh_from_db()
    assert (notification.answer_by, notification.awaits_answer) == (sooner, True)
    moved = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert moved.status_code == 200
    invite.status = RoleInvite.Status.REVOKED
    with django_capture_on_commit_callbacks(execute=True):
        invite.save()
    notification.refresh_from_db()
    assert not notification.awaits_answer
    closed = client.get(url, HTTP_IF_NONE_MATCH=moved["ETag"])
    assert closed.status_code == 200
    assert closed.json()["awaits_answer"] is False
