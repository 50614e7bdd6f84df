"""Rules of events once, in events' services (and events.public for what public pages
show), whatever page or API asks."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from events import public, services, speakers
from events.models import Event, Session
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def test_a_sessions_day_is_its_events_day_for_the_schedule_and_the_api(make_event, organizer):
    """A session at 23:30 in New York starts on the next day in UTC: the page's ``?day=``
    and the API's ``?day=`` both put it on the event's day."""
    starts = datetime(2030, 6, 1, 9, 0, tzinfo=NEW_YORK)
    event = make_event(
        organizer, state="published", timezone="America/New_York", starts_at=starts, ends_at=starts + timedelta(days=2)
    )
    late = SessionFactory(event=event, title="Late talk", starts_at=datetime(2030, 6, 1, 23, 30, tzinfo=NEW_YORK))
    SessionFactory(event=event, title="Morning talk", starts_at=datetime(2030, 6, 2, 9, 0, tzinfo=NEW_YORK))
    client = Client()
    for day, titles in (("2030-06-01", {"Late talk"}), ("2030-06-02", {"Morning talk"})):
        found = public.starting_on(Session.objects.filter(event=event), datetime.fromisoformat(day).date(), NEW_YORK)
        assert {session.title for session in found} == titles
        answer = client.get(f"/api/v1/events/{event.pk}/sessions/", {"day": day})
        assert answer.status_code == 200
        assert {session["title"] for session in answer.json()["results"]} == titles
        page = client.get(reverse("event_schedule", args=[event.slug]), {"day": day}).content.decode()
        assert {title for title in ("Late talk", "Morning talk") if title in page} == titles
    assert public.local_day(late.starts_at, NEW_YORK).isoformat() == "2030-06-01"


def test_the_home_lists_the_upcoming_published_events_soonest_first(make_event, organizer):
    soon = make_event(organizer, name="Soon", state="published")
    later = make_event(organizer, name="Later", state="published")
    Event.objects.filter(pk=later.pk).update(
        starts_at=soon.starts_at + timedelta(days=5), ends_at=soon.starts_at + timedelta(days=6)
    )
    over = make_event(organizer, name="Past meetup", state="published")
    Event.objects.filter(pk=over.pk).update(
        starts_at=soon.starts_at - timedelta(days=60), ends_at=soon.starts_at - timedelta(days=59)
    )
    make_event(organizer, name="A draft")
    with_time = services.upcoming_events(now=soon.starts_at - timedelta(days=1))
    assert [event.name for event in with_time] == ["Soon", "Later"]
    body = Client().get(reverse("home")).content.decode()
    assert body.index("Soon") < body.index("Later")
    assert "Past meetup" not in body
    assert "A draft" not in body
    assert len(services.upcoming_events(limit=1)) == 1


def test_who_may_answer_an_invitation_to_speak_is_one_rule_for_its_page_and_its_answer(event, organizer, make_user):
    """The page refuses (403) exactly whom the answer refuses as someone else; it offers
    Accept to exactly whom the answer lets answer (else a log-in link)."""
    talk = SessionFactory(event=event, title="Lightning talks")
    eve = make_user("eve@example.com")
    mallory = make_user("mallory@example.com")
    unconfirmed = make_user("new@example.com", email_confirmed_at=None)
    to_eve = speakers.invite_speaker(talk, "eve@example.com", invited_by=organizer, actor=organizer)
    to_new = speakers.invite_speaker(talk, "new@example.com", invited_by=organizer, actor=organizer)
    cases = [
        (to_eve, None, "log_in"),
        (to_eve, mallory, "wrong_user"),
        (to_eve, eve, None),
        (to_new, None, None),  # no confirmed account: whoever holds the link
        (to_new, unconfirmed, None),
        (to_new, mallory, "wrong_user"),
    ]
    for invite, visitor, refusal in cases:
        assert speakers.answer_refusal(invite, visitor or AnonymousUser()) == refusal
        client = Client()
        if visitor is not None:
            client.force_login(visitor)
        page = client.get(speakers.invite_path(invite))
        assert page.status_code == (403 if refusal == "wrong_user" else 200)
        offers = 'name="answer" value="accept" class="btn btn-primary"' in page.content.decode()
        assert offers == (refusal is None), (invite.email, visitor, refusal)
