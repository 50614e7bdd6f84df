"""An address is the same as another only when both are the same once lower-cased (as
accounts store them), on every database. PostgreSQL's case-insensitive comparison
(``iexact``: UPPER on both sides) also takes dotless ı for i and long ſ for s, so
``bob@gmaıl.com`` (a domain of its own, xn--gmal-nza.com, that anyone may register) was
the same as ``bob@gmail.com``: whoever confirmed the first through their own mailbox got
the second's invitations in their bell, took its speaker profile, and kept its owner
from signing up.
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from events import services as event_services
from events import speakers
from events.models import SessionInvite, Speaker
from notifications.models import Notification
from permissions import checks, services
from permissions.models import RoleInvite
from tests.factories import SessionFactory
from tests.utils import PASSWORD, run_tasks

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)

VICTIM = "bob@gmail.com"
#: Look like VICTIM to PostgreSQL's UPPER; the domain with a dotless ı is xn--gmal-nza.com,
#: the attacker's; a long ſ in the part before the @.
LOOKALIKES = ["bob@gmaıl.com", "BOB@GMAıL.COM", "ſam@example.com"]
#: The address the last one looks like.
SAM = "sam@example.com"


def sign_up(client, email, name, capture):
    with capture(execute=True):
        response = client.post(
            reverse("signup"), {"email": email, "full_name": name, "password1": PASSWORD, "password2": PASSWORD}
        )
    assert response.status_code == 302
    run_tasks()  # the e-mails are background tasks


def confirmation_path(mail):
    return re.search(r"https?://[^/\s]+(/accounts/confirm/\S+/)", mail.body).group(1)


@pytest.fixture
def mallory(django_capture_on_commit_callbacks, mailoutbox):
    """Signed up with a look-alike of VICTIM and confirmed it: the link came to her own
    domain's mailbox."""
    client = Client()
    sign_up(client, LOOKALIKES[0], "Mallory", django_capture_on_commit_callbacks)
    user = User.objects.get(email=LOOKALIKES[0])
    [mail] = [mail for mail in mailoutbox if mail.to == [LOOKALIKES[0]]]
    assert client.post(reverse("login"), {"username": LOOKALIKES[0], "password": PASSWORD}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(confirmation_path(mail)).status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed
    user.client = client
    return user


@pytest.fixture
def organizer_client(organizer):
    client = Client()
    client.force_login(organizer)
    return client


def invite_to_role(organizer_client, event, email, capture):
    with capture(execute=True):
        response = organizer_client.post(
            reverse("events:invite-create", args=[event.pk]), {"invite-email": email, "invite-role": "coorganizer"}
        )
    assert response.status_code == 302
    run_tasks()
    return RoleInvite.objects.get(email=email, status="pending")


def invite_to_speak(organizer_client, talk, email, capture):
    with capture(execute=True):
        url = reverse("events:session-invites", args=[talk.event_id, talk.pk])
        assert organizer_client.post(url, {"email": email, "name": "Bob"}).status_code == 302
    run_tasks()
    return SessionInvite.objects.get(email=email, session=talk)


def test_a_lookalike_address_gets_nothing_of_the_address_it_looks_like(
    mallory, organizer_client, event, mailoutbox, django_capture_on_commit_callbacks
):
    talk = SessionFactory(event=event, title="Keynote")
    speaker = Speaker.objects.create(event=event, name="Bob", email="Bob@Gmail.com")
    panel = SessionFactory(event=event, title="Panel")
    panel.speakers.add(speaker)
    capture = django_capture_on_commit_callbacks
    role_invite = invite_to_role(organizer_client, event, VICTIM, capture)
    speak_invite = invite_to_speak(organizer_client, talk, VICTIM, capture)

    # Nothing in Mallory's bell; both invitations went to Bob's mailbox, by e-mail.
    assert not Notification.objects.filter(user=mallory).exists()
    assert speakers.invitee_account(speak_invite) is None
    to_bob = [mail for mail in mailoutbox if mail.to == [VICTIM]]
    assert len(to_bob) == 2
    assert "/accounts/signup/?invite=" in to_bob[0].body  # no account of Bob's: sign up
    # Her confirmed look-alike is not the speaker's account either: no schedule change for her.
    panel.starts_at, panel.ends_at = panel.starts_at + HOUR, panel.ends_at + HOUR
    with capture(execute=True):
        event_services.save_resource(panel)
    run_tasks()
    assert [mail.to for mail in mailoutbox][-1] == ["bob@gmail.com"]
    assert not Notification.objects.filter(user=mallory).exists()

    # Bob signs up through the plain page: an account of his own (Mallory is not told).
    mails_to_mallory = len([mail for mail in mailoutbox if mail.to == [LOOKALIKES[0]]])
    bob_client = Client()
    sign_up(bob_client, VICTIM, "Bob", capture)
    bob = User.objects.get(email=VICTIM)
    assert len([mail for mail in mailoutbox if mail.to == [LOOKALIKES[0]]]) == mails_to_mallory
    # Both log in, each to their own account.
    assert bob_client.post(reverse("login"), {"username": VICTIM, "password": PASSWORD}).status_code == 302
    assert int(bob_client.session["_auth_user_id"]) == bob.pk
    other = Client()
    assert other.post(reverse("login"), {"username": LOOKALIKES[0], "password": PASSWORD}).status_code == 302
    assert int(other.session["_auth_user_id"]) == mallory.pk

    # Bob confirms: his invitations reach his bell, and his alone.
    [mail] = [mail for mail in mailoutbox if mail.to == [VICTIM] and "/accounts/confirm/" in mail.body]
    with capture(execute=True):
        assert bob_client.post(confirmation_path(mail)).status_code == 302
    links = set(Notification.objects.filter(user=bob).values_list("link", flat=True))
    assert services.invite_path(role_invite) in links
    assert speakers.invite_path(speak_invite) in links
    assert not Notification.objects.filter(user=mallory).exists()


def test_a_lookalike_confirmed_after_the_invitations_gets_none_of_them(
    organizer_client, event, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    talk = SessionFactory(event=event, title="Keynote")
    capture = django_capture_on_commit_callbacks
    for address in (VICTIM, SAM):
        invite_to_role(organizer_client, event, address, capture)
        invite_to_speak(organizer_client, talk, address, capture)
    for address in LOOKALIKES[1:]:
        client = Client()
        sign_up(client, address, "Mallory", capture)
        user = User.objects.get(email=address.lower())
        [mail] = [mail for mail in mailoutbox if mail.to == [user.email]]
        client.force_login(user)
        with capture(execute=True):
            assert client.post(confirmation_path(mail)).status_code == 302
        user.refresh_from_db()
        assert user.email_confirmed
        assert not Notification.objects.filter(user=user).exists()
        assert not checks.has_role(user, event)


def test_accepting_as_a_lookalike_links_no_speaker_of_the_address(
    mallory, organizer_client, event, mailoutbox, django_capture_on_commit_callbacks
):
    """Even holding the link (sent to the look-alike itself, say), the account of the
    look-alike takes its own speaker profile, not the one with the other address."""
    talk = SessionFactory(event=event, title="Keynote")
    bob = Speaker.objects.create(event=event, name="Bob", email=VICTIM)
    invite = invite_to_speak(organizer_client, talk, LOOKALIKES[0], django_capture_on_commit_callbacks)
    [note] = Notification.objects.filter(user=mallory)
    with django_capture_on_commit_callbacks(execute=True):
        assert mallory.client.post(note.link, {"answer": "accept"}).status_code == 302
    invite.refresh_from_db()
    assert invite.speaker_id != bob.pk
    bob.refresh_from_db()
    assert bob.user_id is None
    assert invite.speaker.user_id == mallory.pk
