import pytest
from django.core.management import call_command

from accounts.models import User
from demo.management.commands.seed_demo import DEMO_SLUG, ORGANIZER_EMAIL, SUPER_ADMIN_EMAIL
from events.models import Event
from tests.images import open_stored_image


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_random_passwords(capsys, monkeypatch, client):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert User.objects.count() == 2
    assert Event.objects.filter(slug=DEMO_SLUG, state="published").count() == 1
    assert User.objects.get(email=SUPER_ADMIN_EMAIL).is_super_admin
    organizer_line = next(line for line in first.splitlines() if line.startswith("Organizer:"))
    password = organizer_line.split(" / ")[1]
    assert len(password) >= 12
    assert "unchanged" in second
    assert client.login(username=ORGANIZER_EMAIL, password=password)
    assert [e.slug for e in client.get("/events/").context["page"]] == [DEMO_SLUG]


@pytest.mark.django_db
def test_seed_demo_uses_demo_password(capsys, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-for-tests-42")
    call_command("seed_demo")
    assert "demo-pass-for-tests-42" in capsys.readouterr().out
    assert User.objects.get(email=ORGANIZER_EMAIL).check_password("demo-pass-for-tests-42")


@pytest.mark.django_db
def test_seed_demo_fills_a_realistic_event(capsys, monkeypatch, client, settings):
    from orders.models import Order

    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo")
    event = Event.objects.get(slug=DEMO_SLUG)
    assert event.state == "published"
    local = event.tzinfo
    days = {session.starts_at.astimezone(local).date() for session in event.sessions.all()}
    assert len(days) == 2
    assert event.starts_at.astimezone(local).strftime("%H:%M") == "09:00"
    assert event.microlocations.count() == 3
    assert event.tracks.count() == 4
    assert 18 <= event.sessions.count() <= 24
    assert all(session.speakers.exists() for session in event.sessions.all())
    speakers = list(event.speakers.all())
    assert len(speakers) >= 10
    assert all(speaker.photo for speaker in speakers)
    assert open_stored_image(speakers[0].photo).size == (256, 256)
    sponsors = list(event.sponsors.all())
    assert {sponsor.level for sponsor in sponsors} == {"Gold", "Silver", "Community"}
    assert all(sponsor.logo for sponsor in sponsors)
    assert event.background_image
    assert {ticket.type for ticket in event.tickets.all()} == {"free", "paid", "donation"}
    assert Order.objects.filter(event=event).count() >= 5
    assert Order.objects.filter(event=event, state="paid").exists()
    assert "Filled it: 4 tracks, 3 rooms" in capsys.readouterr().out
    # Its public pages show it.
    schedule = client.get(f"/e/{DEMO_SLUG}/schedule/")
    assert schedule.status_code == 200
    assert "Opening keynote" in schedule.content.decode()
    # Run again: nothing more.
    call_command("seed_demo")
    assert Event.objects.get(slug=DEMO_SLUG).sessions.count() == event.sessions.count()
    assert Order.objects.filter(event=event).count() == 6


@pytest.mark.django_db
def test_seed_demo_fills_an_empty_demo_event_left_by_an_older_version(monkeypatch, organizer):
    from events.services import create_event

    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    create_event(organizer, name="Old demo", slug=DEMO_SLUG, state="published")
    call_command("seed_demo")
    event = Event.objects.get(slug=DEMO_SLUG)
    assert event.sessions.count() == 20
    assert event.state == "published"
