"""Anyone who makes an event may invite any address, to a role or to speak, and make a
session's speakers (with any address) hear of each move: one mailbox gets a few such
e-mails an hour at most (``core.mail.may_send``, ``EVENTDESK_MAIL_PER_RECIPIENT_HOUR``),
however its address is spelled. Invite, withdraw, invite again sent one e-mail each time,
without end (attack 3, item 4)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from events import speakers
from events.models import Microlocation, SessionInvite, Speaker
from permissions import services
from permissions.models import RoleInvite
from tests.factories import SessionFactory
from tests.utils import run_tasks

pytestmark = pytest.mark.django_db

VICTIM = ["victim@example.com", "Victim+1@example.com", '"victim"@example.com', "victim@ｅｘａｍｐｌｅ.com"]


@pytest.fixture(autouse=True)
def limit(settings):
    settings.EVENTDESK_MAIL_PER_RECIPIENT_HOUR = 3
    cache.clear()


@pytest.fixture
def organizer_client(organizer):
    client = Client()
    client.force_login(organizer)
    return client


def test_invite_withdraw_and_invite_again_reaches_one_mailbox_a_few_times(
    event, organizer_client, mailoutbox, django_capture_on_commit_callbacks
):
    answers = []
    for email in VICTIM:
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                organizer_client.post(
                    reverse("events:invite-create", args=[event.pk]),
                    {"invite-email": email, "invite-role": "moderator"},
                )
            )
        for invite in RoleInvite.objects.filter(status=RoleInvite.Status.PENDING):
            services.revoke_invite(invite)
    assert [answer.status_code for answer in answers] == [302, 302, 302, 200]
    assert "as many invitations as it may get in an hour" in answers[-1].content.decode()
    assert RoleInvite.objects.count() == 3
    run_tasks()
    assert len(mailoutbox) == 3


def test_an_address_with_an_account_counts_alike(event, organizer, make_user, mailoutbox):
    make_user("victim@example.com")
    for role in ("moderator", "track_organizer", "coorganizer"):
        services.invite_to_role(event, "victim@example.com", role, organizer)
    with pytest.raises(services.ValidationError) as refused:
        services.invite_to_role(event, "VICTIM@example.com", "organizer", organizer)
    assert refused.value.error_dict["email"][0].code == "too_many_invitations"
    assert RoleInvite.objects.count() == 3


def test_invitations_to_speak_are_counted_too(event, organizer, organizer_client, mailoutbox):
    talks = [SessionFactory(event=event, title=f"Talk {n}") for n in range(4)]
    for talk, email in zip(talks[:3], VICTIM, strict=False):
        speakers.invite_speaker(talk, email, invited_by=organizer)
    answer = organizer_client.post(
        reverse("events:session-invites", args=[event.pk, talks[3].pk]), {"email": VICTIM[3], "name": ""}
    )
    assert answer.status_code == 200
    assert "as many invitations as it may get in an hour" in answer.content.decode()
    assert SessionInvite.objects.count() == 3
    # Role and speaker invitations share the count: the mailbox had its three.
    with pytest.raises(services.ValidationError):
        services.invite_to_role(event, "victim@example.com", "moderator", organizer)


def test_schedule_changes_reach_a_speaker_without_an_account_a_few_times_an_hour(
    event, organizer_client, mailoutbox, django_capture_on_commit_callbacks
):
    room = Microlocation.objects.create(event=event, name="Room A")
    session = SessionFactory(event=event, title="Keynote", microlocation=room)
    session.speakers.set([Speaker.objects.create(event=event, name="Vic", email="victim+talks@example.com")])
    zone = event.tzinfo
    for hours in range(1, 6):
        start = (session.starts_at + timedelta(hours=hours)).astimezone(zone)
        data = {
            "title": session.title,
            "abstract": "",
            "track": "",
            "microlocation": room.pk,
            "speakers": [s.pk for s in session.speakers.all()],
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        }
        with django_capture_on_commit_callbacks(execute=True):
            answer = organizer_client.post(reverse("events:session-update", args=[event.pk, session.pk]), data)
        assert answer.status_code == 302  # every move is saved
    run_tasks()
    assert len(mailoutbox) == 3
