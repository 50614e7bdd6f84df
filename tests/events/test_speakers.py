"""Notifications beyond role invitations: speakers told when their session moves, and
invitations to speak at a session (events.speakers)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from events import services, speakers
from events.models import Microlocation, Session, SessionInvite, Speaker
from notifications.models import Notification
from permissions.services import set_permission_matrix
from tests.factories import SessionFactory
from tests.utils import run_tasks

pytestmark = pytest.mark.django_db

SCHEDULE_CHANGE = "Session schedule change"


@pytest.fixture
def room(event):
    return Microlocation.objects.create(event=event, name="Room A")


@pytest.fixture
def session(event, room, make_user):
    session = SessionFactory(event=event, title="Keynote", microlocation=room)
    ada = make_user("ada@example.com", full_name="Ada")  # linked to her speaker
    make_user("bob@example.com", full_name="Bob")  # has an account, speaker not linked yet
    people = [
        Speaker.objects.create(event=event, name="Ada", email="ada@example.com", user=ada),
        Speaker.objects.create(event=event, name="Bob", email="BOB@example.com"),
        Speaker.objects.create(event=event, name="Carol", email="carol@example.org"),  # no account
        Speaker.objects.create(event=event, name="Dan"),  # no account, no address
    ]
    session.speakers.set(people)
    return session


def schedule_notes():
    return list(Notification.objects.filter(action=SCHEDULE_CHANGE).order_by("user__email"))


def form_data(session, **changes):
    zone = session.event.tzinfo
    data = {
        "title": session.title,
        "abstract": session.abstract,
        "track": "",
        "microlocation": session.microlocation_id or "",
        "speakers": [s.pk for s in session.speakers.all()],
        "starts_at": session.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": session.ends_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(changes)
    return data


def edit_url(session):
    return reverse("events:session-update", args=[session.event_id, session.pk])


# --- schedule changes ------------------------------------------------------------------


def test_moving_a_session_tells_each_speaker_once(
    client, organizer, session, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(organizer)
    zone = session.event.tzinfo
    new_start = (session.starts_at + timedelta(hours=2)).astimezone(zone)
    new_end = new_start + timedelta(minutes=45)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            edit_url(session),
            form_data(
                session, starts_at=new_start.strftime("%Y-%m-%dT%H:%M"), ends_at=new_end.strftime("%Y-%m-%dT%H:%M")
            ),
        )
    assert response.status_code == 302
    notes = schedule_notes()
    assert [n.user.email for n in notes] == ["ada@example.com", "bob@example.com"]  # one each
    old_text = f"{session.starts_at.astimezone(zone):%H:%M}"
    for note in notes:
        assert note.link == reverse("event_session", kwargs={"slug": session.event.slug, "pk": session.pk})
        assert "Keynote" in note.title
        # old → new, in the event's time zone
        assert old_text in note.message
        assert f"{new_start:%H:%M}" in note.message
        assert "→" in note.message
        assert session.event.timezone in note.message
    # The speaker without an account is written to (by the worker); the one without an address is not.
    assert mailoutbox == []
    assert run_tasks() == 1
    [mail] = mailoutbox
    assert mail.to == ["carol@example.org"]
    assert f"{new_start:%H:%M}" in mail.body


def test_renaming_a_session_tells_nobody(client, organizer, session, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url(session), form_data(session, title="Opening keynote", abstract="New"))
    assert response.status_code == 302
    assert Session.objects.get(pk=session.pk).title == "Opening keynote"
    assert schedule_notes() == []
    assert run_tasks() == 0
    assert mailoutbox == []


def test_a_new_room_is_a_schedule_change(session, event, mailoutbox, django_capture_on_commit_callbacks):
    other = Microlocation.objects.create(event=event, name="Room B")
    session.microlocation = other
    with django_capture_on_commit_callbacks(execute=True):
        services.save_resource(session)
    notes = schedule_notes()
    assert len(notes) == 2
    assert "Room A" in notes[0].message
    assert "Room B" in notes[0].message
    run_tasks()
    assert len(mailoutbox) == 1


def test_the_e_mail_links_the_session_on_the_site_url(
    session, event, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://events.example.org/"
    session.microlocation = Microlocation.objects.create(event=event, name="Room C")
    with django_capture_on_commit_callbacks(execute=True):
        services.save_resource(session)
    run_tasks()
    (message,) = mailoutbox
    assert f"https://events.example.org/e/{event.slug}/sessions/{session.pk}/" in message.body


def test_nothing_is_told_before_the_commit_or_when_it_rolls_back(session, mailoutbox):
    from django.db import transaction

    class Rollback(Exception):
        pass

    def move_then_fail():
        with transaction.atomic():
            session.starts_at += timedelta(hours=1)
            session.ends_at += timedelta(hours=1)
            services.save_resource(session)
            raise Rollback

    with pytest.raises(Rollback):
        move_then_fail()
    assert schedule_notes() == []
    assert run_tasks() == 0  # the e-mail's task went with the rollback
    assert mailoutbox == []


def test_moving_through_the_api_tells_the_speakers(
    as_organizer, session, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("api:session-detail", args=[session.event_id, session.pk])
    starts_at = session.starts_at + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_organizer.patch(
            url,
            {"starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(minutes=30)).isoformat()},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert len(schedule_notes()) == 2
    run_tasks()
    assert len(mailoutbox) == 1


def test_moving_in_the_admin_tells_the_speakers(client, super_admin, session, django_capture_on_commit_callbacks):
    client.force_login(super_admin)
    url = reverse("admin:events_session_change", args=[session.pk])
    page = client.get(url)
    assert page.status_code == 200
    zone = session.event.tzinfo
    start = session.starts_at + timedelta(hours=1)
    end = start + timedelta(minutes=45)
    data = {
        "event": session.event_id,
        "title": session.title,
        "abstract": "",
        "track": "",
        "microlocation": session.microlocation_id,
        "speakers": [s.pk for s in session.speakers.all()],
        "starts_at_0": start.astimezone(zone).strftime("%Y-%m-%d"),
        "starts_at_1": start.astimezone(zone).strftime("%H:%M:%S"),
        "ends_at_0": end.astimezone(zone).strftime("%Y-%m-%d"),
        "ends_at_1": end.astimezone(zone).strftime("%H:%M:%S"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert Session.objects.get(pk=session.pk).starts_at != session.starts_at
    assert len(schedule_notes()) == 2


# --- session invites ---------------------------------------------------------------------


def invites_url(session):
    return reverse("events:session-invites", args=[session.event_id, session.pk])


def link_path(invite):
    return speakers.invite_path(invite)


@pytest.fixture
def talk(event):
    return SessionFactory(event=event, title="Lightning talks")


def invite(client, organizer, session, email, django_capture_on_commit_callbacks, name=""):
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invites_url(session), {"email": email, "name": name})
    assert response.status_code == 302, response.content.decode()
    run_tasks()  # the e-mail, if any, is a background task
    client.logout()
    return SessionInvite.objects.get(email=email.lower(), session=session)


def test_a_user_is_invited_by_notification_and_accepts(
    client, organizer, talk, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    eve = make_user("eve@example.com", full_name="Eve")
    sent = invite(client, organizer, talk, "EVE@example.com", django_capture_on_commit_callbacks)
    assert mailoutbox == []  # a notification, not an e-mail
    note = Notification.objects.get(user=eve)
    assert (note.action, note.link, note.awaits_answer) == ("Session invite", link_path(sent), True)
    client.force_login(eve)
    center = client.get(reverse("notifications:center")).content.decode()
    assert f'action="{link_path(sent)}"' in center  # Accept and Decline, posted to the link

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link_path(sent), {"answer": "accept"})
    assert response.status_code == 302
    speaker = Speaker.objects.get(event=talk.event, email="eve@example.com")
    assert speaker.user == eve
    assert speaker.name == "Eve"
    assert list(talk.speakers.all()) == [speaker]
    sent.refresh_from_db()
    assert (sent.status, sent.speaker) == ("accepted", speaker)
    # Answered: the notification no longer offers Accept and Decline.
    note.refresh_from_db()
    assert (note.awaits_answer, note.has_read) == (False, True)
    assert f'action="{link_path(sent)}"' not in client.get(reverse("notifications:center")).content.decode()
    # The organizer is told.
    told = Notification.objects.get(user=organizer, action="Invitation answered")
    assert told.title == f"Eve accepted: speaker of “Lightning talks” ({talk.event.name})"
    assert told.link == invites_url(talk)
    # Used once.
    assert client.post(link_path(sent), {"answer": "decline"}).status_code == 410


def test_an_existing_speaker_is_linked_to_the_account(
    client, organizer, talk, make_user, django_capture_on_commit_callbacks
):
    eve = make_user("eve@example.com", full_name="Eve")
    existing = Speaker.objects.create(event=talk.event, name="Eve E.", email="eve@example.com")
    sent = invite(client, organizer, talk, "eve@example.com", django_capture_on_commit_callbacks)
    client.force_login(eve)
    client.post(link_path(sent), {"answer": "accept"})
    existing.refresh_from_db()
    assert existing.user == eve
    assert list(talk.speakers.all()) == [existing]
    assert Speaker.objects.filter(event=talk.event).count() == 1


def test_someone_without_an_account_answers_through_the_e_mail_link(
    client, organizer, talk, mailoutbox, django_capture_on_commit_callbacks
):
    sent = invite(client, organizer, talk, "frank@example.org", django_capture_on_commit_callbacks, name="Frank")
    [mail] = mailoutbox
    assert mail.to == ["frank@example.org"]
    assert f"http://testserver{link_path(sent)}" in mail.body
    assert not Notification.objects.exclude(user=organizer).exists()
    page = client.get(link_path(sent)).content.decode()  # no log-in needed
    assert 'value="accept"' in page
    assert 'value="decline"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link_path(sent), {"answer": "accept"})
    assert response.status_code == 200
    speaker = Speaker.objects.get(event=talk.event, email="frank@example.org")
    assert (speaker.name, speaker.user) == ("Frank", None)
    assert list(talk.speakers.all()) == [speaker]
    told = Notification.objects.get(user=organizer, action="Invitation answered")
    assert told.title.startswith("Frank accepted: speaker of")


def test_declining_adds_nobody_and_tells_the_organizer(
    client, organizer, talk, make_user, django_capture_on_commit_callbacks
):
    eve = make_user("eve@example.com", full_name="Eve")
    sent = invite(client, organizer, talk, "eve@example.com", django_capture_on_commit_callbacks)
    client.force_login(eve)
    assert client.post(link_path(sent), {"answer": "decline"}).status_code == 302
    assert not talk.speakers.exists()
    assert not Speaker.objects.filter(event=talk.event).exists()
    assert Notification.objects.get(user=organizer, action="Invitation answered").title.startswith("Eve declined")
    assert not Notification.objects.get(user=eve).awaits_answer


def test_only_the_invited_account_answers(client, organizer, talk, make_user, django_capture_on_commit_callbacks):
    make_user("eve@example.com")
    mallory = make_user("mallory@example.com")
    sent = invite(client, organizer, talk, "eve@example.com", django_capture_on_commit_callbacks)
    # Anonymous: must log in as the address's account.
    assert "Log in as eve@example.com" in client.get(link_path(sent)).content.decode()
    assert client.post(link_path(sent), {"answer": "accept"}).status_code == 403
    client.force_login(mallory)
    assert client.get(link_path(sent)).status_code == 403
    assert client.post(link_path(sent), {"answer": "accept"}).status_code == 403
    sent.refresh_from_db()
    assert sent.status == "pending"
    assert not talk.speakers.exists()


@pytest.mark.parametrize("link", ["nonsense", "abc:def"])
def test_a_bad_link_is_404(client, link):
    assert client.get(reverse("events:speaker-invite", args=[link])).status_code == 404


def test_a_bad_answer_is_400(client, organizer, talk, django_capture_on_commit_callbacks):
    sent = invite(client, organizer, talk, "frank@example.org", django_capture_on_commit_callbacks)
    assert client.post(link_path(sent), {"answer": "maybe"}).status_code == 400
    sent.refresh_from_db()
    assert sent.status == "pending"


def test_inviting_twice_or_a_speaker_is_refused(client, organizer, talk, session, django_capture_on_commit_callbacks):
    invite(client, organizer, talk, "frank@example.org", django_capture_on_commit_callbacks)
    client.force_login(organizer)
    response = client.post(invites_url(talk), {"email": "FRANK@example.org"})
    assert response.status_code != 302  # the form again, with the error
    assert "already been invited" in response.content.decode()
    response = client.post(invites_url(session), {"email": "carol@example.org"})
    assert response.status_code != 302  # the form again, with the error
    assert "already speaks" in response.content.decode()
    assert "valid email" in client.post(invites_url(talk), {"email": "not-an-address"}).content.decode()
    assert SessionInvite.objects.count() == 1


def test_withdrawing_closes_the_notification(client, organizer, talk, make_user, django_capture_on_commit_callbacks):
    eve = make_user("eve@example.com")
    sent = invite(client, organizer, talk, "eve@example.com", django_capture_on_commit_callbacks)
    client.force_login(organizer)
    url = reverse("events:session-invite-revoke", args=[talk.event_id, talk.pk, sent.pk])
    assert client.post(url).status_code == 302
    sent.refresh_from_db()
    assert sent.status == "revoked"
    assert not Notification.objects.get(user=eve).awaits_answer
    client.force_login(eve)
    assert client.post(link_path(sent), {"answer": "accept"}).status_code == 410


def test_who_may_not_update_sessions_may_not_invite(client, talk, user_with_role):
    moderator = user_with_role(talk.event, "moderator")
    client.force_login(moderator)
    assert client.get(invites_url(talk)).status_code == 403  # sessions: nothing in the matrix
    assert client.post(invites_url(talk), {"email": "x@example.org"}).status_code == 403
    set_permission_matrix({("moderator", "session"): {"read"}})
    page = client.get(invites_url(talk))
    assert page.status_code == 200
    assert 'data-testid="speaker-invite-form"' not in page.content.decode()
    assert client.post(invites_url(talk), {"email": "x@example.org"}).status_code == 403
    assert not SessionInvite.objects.exists()


def test_speakers_addresses_only_to_who_may_read_speakers(
    client, organizer, talk, user_with_role, django_capture_on_commit_callbacks
):
    # The matrix changed: Co-organizers update sessions but may not read speakers. The
    # session's page shows them its speakers' names, not their (or invitees') addresses.
    speaker = Speaker.objects.create(event=talk.event, name="Grace", email="grace@speakers.example")
    talk.speakers.add(speaker)
    sent = invite(client, organizer, talk, "linus@invitees.example", django_capture_on_commit_callbacks)
    coorganizer = user_with_role(talk.event, "coorganizer")
    set_permission_matrix({("coorganizer", "speaker"): set(), ("coorganizer", "session"): {"read", "update"}})
    client.force_login(coorganizer)
    html = client.get(invites_url(talk)).content.decode()
    assert "Grace" in html
    assert "grace@speakers.example" not in html
    assert "linus@invitees.example" not in html
    revoke = reverse("events:session-invite-revoke", args=[talk.event_id, talk.pk, sent.pk])
    withdrawn = client.post(revoke, follow=True).content.decode()
    assert "was withdrawn" in withdrawn
    assert "linus@invitees.example" not in withdrawn
    # Given the read of speakers, the addresses show.
    set_permission_matrix({("coorganizer", "speaker"): {"read"}})
    html = client.get(invites_url(talk)).content.decode()
    assert "grace@speakers.example" in html


def test_outsiders_see_no_session_page(client, talk, make_user):
    client.force_login(make_user())
    assert client.get(invites_url(talk)).status_code == 404


def test_the_session_list_links_to_its_speakers_page(client, organizer, talk):
    client.force_login(organizer)
    html = client.get(reverse("events:session-list", args=[talk.event_id])).content.decode()
    assert re.search(rf'href="{re.escape(invites_url(talk))}"', html)
