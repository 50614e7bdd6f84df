"""Invitations to speak keep their actors, as role invitations do (both through
``permissions.invitations``): who invited (``invited_by``), and an activity entry with its
actor for each step: invited and withdrawn by the organizer, answered by the invitee
(or, with no account, by whoever holds the link: no actor)."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from activity.models import ActivityEntry
from events import speakers
from events.models import SessionInvite
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def talk(event):
    return SessionFactory(event=event, title="Lightning talks")


def log_of(invite):
    with scopes_disabled():
        return [
            (entry.action, entry.actor, entry.event_id, entry.changes.get("status"))
            for entry in ActivityEntry.objects.filter(object_id=invite.pk, action__startswith="invit").order_by("pk")
        ]


def invite(client, organizer, talk, email):
    client.force_login(organizer)
    url = reverse("events:session-invites", args=[talk.event_id, talk.pk])
    assert client.post(url, {"email": email}).status_code == 302
    client.logout()
    with scopes_disabled():
        return SessionInvite.objects.get(email=email, session=talk)


def test_invited_and_accepted_each_by_its_actor(client, organizer, talk, make_user):
    eve = make_user("eve@example.com", full_name="Eve")
    sent = invite(client, organizer, talk, "eve@example.com")
    assert sent.invited_by == organizer
    client.force_login(eve)

    assert client.post(speakers.invite_path(sent), {"answer": "accept"}).status_code == 302

    event = talk.event_id
    assert log_of(sent) == [
        ("invited", organizer, event, [None, "pending"]),
        ("invitation_accepted", eve, event, ["pending", "accepted"]),
    ]


def test_declined_through_the_e_mailed_link_without_an_account(client, organizer, talk):
    sent = invite(client, organizer, talk, "someone@example.org")

    assert client.post(speakers.invite_path(sent), {"answer": "decline"}).status_code == 200  # the answer page

    assert [(action, actor) for action, actor, _, _ in log_of(sent)] == [
        ("invited", organizer),
        ("invitation_declined", None),
    ]


def test_withdrawn_by_the_organizer(client, organizer, talk):
    sent = invite(client, organizer, talk, "someone@example.org")
    client.force_login(organizer)
    url = reverse("events:session-invite-revoke", args=[talk.event_id, talk.pk, sent.pk])

    assert client.post(url).status_code == 302

    assert log_of(sent)[-1] == ("invitation_revoked", organizer, talk.event_id, ["pending", "revoked"])
