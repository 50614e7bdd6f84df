"""Version counters (events.models, events.signals): every kind of change bumps the
object's ``version`` and its event's counter in the same transaction, including the
changes that never pass through ``Model.save``: many-to-many edits, queryset updates and
deletes, bulk creation, cascades and SET_NULL."""

import pytest
from django.db import transaction

from events.models import Event, Microlocation, Session, Speaker, Sponsor, Track
from tests.factories import SessionFactory, TicketFactory
from tickets.models import Ticket


def counters(event):
    return Event.objects.filter(pk=event.pk).values().get()


def version(obj):
    return type(obj).objects.filter(pk=obj.pk).values_list("version", flat=True).get()


@pytest.fixture
def session(event):
    return SessionFactory(event=event, title="Talk")


@pytest.fixture
def speaker(event):
    return Speaker.objects.create(event=event, name="Ada")


def test_save_and_delete_bump_the_object_and_the_counter(event):
    before = counters(event)["tracks_ver"]
    track = Track.objects.create(event=event, name="A")
    assert track.version == 1
    assert counters(event)["tracks_ver"] == before + 1
    track.name = "B"
    track.save()
    assert track.version == version(track) == 2
    assert counters(event)["tracks_ver"] == before + 2
    track.delete()
    assert counters(event)["tracks_ver"] == before + 3


def test_two_stale_copies_never_store_the_same_version(event):
    Track.objects.create(event=event, name="A")
    first, second = Track.objects.get(), Track.objects.get()
    first.name = "First"
    first.save()
    second.name = "Second"
    second.save()
    assert (first.version, second.version) == (2, 3)
    assert version(first) == 3


def test_save_with_update_fields_bumps_too(event):
    track = Track.objects.create(event=event, name="A")
    track.name = "B"
    track.save(update_fields=["name"])
    assert version(track) == 2


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s, sp: s.speakers.add(sp), id="session.speakers.add"),
        pytest.param(lambda s, sp: s.speakers.set([sp]), id="session.speakers.set"),
        pytest.param(lambda s, sp: sp.sessions.add(s), id="speaker.sessions.add"),
    ],
)
def test_adding_a_speaker_bumps_the_session(change, session, speaker, event):
    before, sessions_ver = version(session), counters(event)["sessions_ver"]
    change(session, speaker)
    assert version(session) == before + 1
    assert counters(event)["sessions_ver"] == sessions_ver + 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s, sp: s.speakers.remove(sp), id="session.speakers.remove"),
        pytest.param(lambda s, sp: s.speakers.clear(), id="session.speakers.clear"),
        pytest.param(lambda s, sp: sp.sessions.remove(s), id="speaker.sessions.remove"),
        pytest.param(lambda s, sp: sp.sessions.clear(), id="speaker.sessions.clear"),
        pytest.param(lambda s, sp: sp.delete(), id="speaker.delete"),
        pytest.param(lambda s, sp: Speaker.objects.filter(pk=sp.pk).delete(), id="speakers queryset delete"),
    ],
)
def test_taking_a_speaker_away_bumps_the_session(change, session, speaker, event):
    session.speakers.add(speaker)
    before, sessions_ver = version(session), counters(event)["sessions_ver"]
    change(session, speaker)
    assert version(session) > before
    assert counters(event)["sessions_ver"] > sessions_ver
    assert list(Session.objects.get(pk=session.pk).speakers.all()) == []


def test_the_session_instance_knows_its_new_version_after_a_speaker_change(session, speaker):
    session.speakers.add(speaker)
    assert session.version == version(session)


def test_adding_nothing_bumps_nothing(session, speaker, event):
    session.speakers.add(speaker)
    before = version(session)
    session.speakers.set([speaker])  # unchanged
    session.speakers.add(speaker)  # already there
    assert version(session) == before


@pytest.mark.parametrize(("model", "field"), [(Track, "track"), (Microlocation, "microlocation")])
def test_deleting_a_track_or_room_bumps_the_sessions_that_lose_it(model, field, event, session):
    thing = model.objects.create(event=event, name="X")
    setattr(session, field, thing)
    session.save()
    before, sessions_ver = version(session), counters(event)["sessions_ver"]
    thing.delete()
    session.refresh_from_db()
    assert getattr(session, field) is None
    assert session.version == before + 1
    assert counters(event)["sessions_ver"] == sessions_ver + 1


def test_update_and_bump_bumps_each_row_and_the_counter(event):
    a, b = Sponsor.objects.create(event=event, name="A"), Sponsor.objects.create(event=event, name="B")
    before = counters(event)["sponsors_ver"]
    assert Sponsor.objects.filter(event=event).update_and_bump(level="Gold") == 2
    assert (version(a), version(b)) == (2, 2)
    assert counters(event)["sponsors_ver"] == before + 1


def test_a_plain_update_is_djangos_and_bumps_nothing(event):
    sponsor = Sponsor.objects.create(event=event, name="A")
    before = counters(event)
    assert Sponsor.objects.filter(event=event).update(level="Gold") == 1
    assert version(sponsor) == 1
    assert counters(event) == before
    # ...until the rows are marked changed, explicitly.
    assert Sponsor.objects.filter(event=event).bump() == 1
    assert version(sponsor) == 2
    assert counters(event)["sponsors_ver"] == before["sponsors_ver"] + 1


def test_queryset_update_of_several_events(event, make_event, organizer):
    other = make_event(organizer, name="Other")
    Track.objects.create(event=event, name="A")
    Track.objects.create(event=other, name="B")
    before = {e.pk: counters(e)["tracks_ver"] for e in (event, other)}
    Track.objects.all().update_and_bump(description="Both")
    assert {e.pk: counters(e)["tracks_ver"] for e in (event, other)} == {pk: v + 1 for pk, v in before.items()}


def test_queryset_delete_and_bulk_create_bump_the_counter(event):
    before = counters(event)["tickets_ver"]
    Ticket.objects.bulk_create(
        [Ticket(event=event, type="free", name=f"T{n}", quantity=5, max_order=5) for n in range(3)]
    )
    assert counters(event)["tickets_ver"] == before + 1
    Ticket.objects.filter(event=event).delete()
    assert counters(event)["tickets_ver"] > before + 1


def test_a_bulk_change_of_events_bumps_their_event_ver_when_asked(event):
    before = counters(event)["event_ver"]
    Event.objects.filter(pk=event.pk).update_and_bump(location="Berlin")
    assert counters(event)["event_ver"] == before + 1
    Event.objects.filter(pk=event.pk).update(location="Paris")  # Django's: no bump
    assert counters(event)["event_ver"] == before + 1


def test_a_failed_change_bumps_nothing(event):
    track = Track.objects.create(event=event, name="A")
    before = counters(event)

    def change_then_fail():
        with transaction.atomic():
            track.name = "B"
            track.save()
            Track.objects.filter(pk=track.pk).update(name="C")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert counters(event) == before
    assert version(track) == 1


def test_deleting_an_event_deletes_what_it_owns(event, session, speaker):
    session.speakers.add(speaker)
    TicketFactory(event=event, name="T", quantity=5, max_order=5)
    event.delete()
    assert not Session.objects.exists()
    assert not Speaker.objects.exists()
    assert not Ticket.objects.exists()
