"""Invitations to speak, and speaker profiles, reach an account only once its address is
confirmed (accounts.services): someone who signed up with a speaker's address first gets
neither the invitation in their bell nor the speaker linked to their account."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from events import speakers
from events.models import SessionInvite, Speaker
from notifications.models import Notification
from tests.factories import SessionFactory
from tests.utils import PASSWORD, run_tasks

pytestmark = pytest.mark.django_db

VICTIM = "speaker@example.com"


@pytest.fixture
def talk(event):
    return SessionFactory(event=event, title="Lightning talks")


@pytest.fixture
def invite(organizer, talk, django_capture_on_commit_callbacks):
    def send(email):
        organizer_client = Client()
        organizer_client.force_login(organizer)
        url = reverse("events:session-invites", args=[talk.event_id, talk.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = organizer_client.post(url, {"email": email, "name": ""})
        assert response.status_code == 302
        run_tasks()  # the e-mail is a background task
        return SessionInvite.objects.get(email=email, session=talk)

    return send


@pytest.fixture
def stranger(client, django_capture_on_commit_callbacks):
    """Signed up with the speaker's address on the sign-up page, logged in, never confirmed."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("signup"), {"email": VICTIM, "full_name": "Mallory", "password1": PASSWORD, "password2": PASSWORD}
        )
    run_tasks()
    assert client.post(reverse("login"), {"username": VICTIM, "password": PASSWORD}).status_code == 302
    return User.objects.get(email=VICTIM)


def test_an_unconfirmed_account_gets_no_invitation_to_speak_the_address_gets_the_e_mail(
    stranger, client, invite, mailoutbox
):
    sent = invite(VICTIM)
    assert not Notification.objects.filter(user=stranger).exists()
    assert speakers.invitee_account(sent) is None
    mail = mailoutbox[-1]
    assert mail.to == [VICTIM]
    assert speakers.invite_path(sent) in mail.body


def test_the_link_holder_answers_and_the_unconfirmed_account_gets_no_speaker_profile(
    stranger, client, talk, invite, mailoutbox, django_capture_on_commit_callbacks
):
    sent = invite(VICTIM)
    path = re.search(r"http://testserver(\S+)", mailoutbox[-1].body).group(1)
    owner = Client()  # the address's owner, from the mailbox, not logged in
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.post(path, {"answer": "accept"}).status_code == 200
    speaker = Speaker.objects.get(event=talk.event, email=VICTIM)
    assert speaker.user is None
    sent.refresh_from_db()
    assert sent.status == "accepted"
    stranger.refresh_from_db()
    assert stranger.email_confirmed_at is None
    # Moving the session tells the address by e-mail, not the stranger's bell.
    assert not speakers.tell_of_schedule_change(talk, (talk.starts_at.replace(year=2000), talk.ends_at, None))[0]


def test_accepting_through_the_e_mailed_link_logged_in_confirms_and_links(
    stranger, client, talk, invite, mailoutbox, django_capture_on_commit_callbacks
):
    sent = invite(VICTIM)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(speakers.invite_path(sent), {"answer": "accept"}).status_code == 302
    speaker = Speaker.objects.get(event=talk.event, email=VICTIM)
    assert speaker.user == stranger
    stranger.refresh_from_db()
    assert stranger.email_confirmed_at is not None


def test_the_invitation_to_speak_arrives_once_the_address_is_confirmed(
    stranger, client, invite, mailoutbox, django_capture_on_commit_callbacks
):
    [confirmation] = [mail for mail in mailoutbox if mail.to == [VICTIM]]
    sent = invite(VICTIM)
    path = re.search(r"https?://[^/\s]+(/accounts/confirm/\S+/)", confirmation.body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(path).status_code == 302
    note = Notification.objects.get(user=stranger, action="Session invite")
    assert (note.link, note.awaits_answer) == (speakers.invite_path(sent), True)
