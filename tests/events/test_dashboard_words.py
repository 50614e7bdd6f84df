"""What a person reads on the dashboard: "Rooms" (not "Microlocations"), one spelling
of colour, speaker photos and sponsor logos in the lists, and one place to edit an
event's details (Settings; the wizard is for creating)."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from events.models import Microlocation, Speaker, Sponsor
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


def page(client, name, event, *args):
    response = client.get(reverse(name, args=[event.pk, *args]))
    assert response.status_code == 200
    return response.content.decode()


def visible_text(body):
    """The page without tags, attribute values or URLs: what a person reads."""
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


class TestRooms:
    @pytest.mark.parametrize(
        ("name", "args"),
        [
            ("events:dashboard", ()),
            ("events:microlocation-list", ()),
            ("events:microlocation-create", ()),
            ("events:session-create", ()),
        ],
    )
    def test_people_read_rooms_never_microlocations(self, organizer_client, event, name, args):
        text = visible_text(page(organizer_client, name, event, *args))
        assert "icrolocation" not in text
        assert "Room" in text

    def test_tab_heading_title_and_button_say_rooms(self, organizer_client, event):
        body = page(organizer_client, "events:microlocation-list", event)
        rooms_url = reverse("events:microlocation-list", args=[event.pk])
        assert re.search(rf"href=\"{rooms_url}\">(<svg[^>]*>.*?</svg>)?Rooms</a>", body)
        assert "<title>Rooms ·" in body
        assert re.search(r"<h2[^>]*>Rooms</h2>", body)
        assert ">Add room</a>" in body

    def test_edit_page_says_room(self, organizer_client, event):
        room = Microlocation.objects.create(event=event, name="Hall A")
        body = page(organizer_client, "events:microlocation-update", event, room.pk)
        assert "Edit room “Hall A”" in body
        assert "icrolocation" not in visible_text(body)

    def test_api_keeps_its_names(self, organizer_client, event):
        Microlocation.objects.create(event=event, name="Hall A")
        response = organizer_client.get(f"/api/v1/events/{event.pk}/microlocations/")
        assert response.status_code == 200


class TestColour:
    def test_one_spelling_on_the_track_pages(self, organizer_client, event):
        for name in ("events:track-list", "events:track-create"):
            text = visible_text(page(organizer_client, name, event))
            assert "Colour" in text
            assert "Color" not in text
            assert "color" not in text


class TestThumbnails:
    def test_speaker_photo_in_the_list(self, organizer_client, event):
        speaker = Speaker.objects.create(event=event, name="Ada Lovelace")
        speaker.photo.save("ada.png", ContentFile(image_bytes(size=(40, 40))), save=True)
        Speaker.objects.create(event=event, name="Bob")
        body = page(organizer_client, "events:speaker-list", event)
        img = re.search(r'<img class="list-thumb[^"]*" src="([^"]+)" alt="Photo of Ada Lovelace"[^>]*>', body)
        assert img
        assert img.group(1) == speaker.photo.url
        assert body.count('data-testid="speaker-photo"') == 1  # Bob has none: his initial, hidden from readers
        assert " style=" not in body  # a strict CSP: no inline style attributes

    def test_sponsor_logo_in_the_list(self, organizer_client, event):
        sponsor = Sponsor.objects.create(event=event, name="Acme", level="Gold")
        sponsor.logo.save("acme.png", ContentFile(image_bytes(size=(80, 40))), save=True)
        body = page(organizer_client, "events:sponsor-list", event)
        img = re.search(r'<img class="list-thumb[^"]*" src="([^"]+)" alt="Acme logo"[^>]*>', body)
        assert img
        assert img.group(1) == sponsor.logo.url
        assert " style=" not in body


class TestDetailsInOnePlace:
    def test_dashboard_links_to_settings_not_the_wizard(self, organizer_client, event):
        for name in ("events:dashboard", "events:settings"):
            body = page(organizer_client, name, event)
            assert reverse("events:wizard-details", args=[event.pk]) not in body
        assert reverse("events:settings", args=[event.pk]) in page(organizer_client, "events:dashboard", event)

    def test_my_events_edits_a_published_event_in_settings(self, organizer_client, make_event, organizer):
        published = make_event(organizer, name="Live one", state="published")
        draft = make_event(organizer, name="Draft one")
        body = organizer_client.get(reverse("events:mine")).content.decode()
        assert reverse("events:settings", args=[published.pk]) in body
        assert reverse("events:wizard-details", args=[published.pk]) not in body
        # A draft is still being created: it continues in the wizard.
        assert reverse("events:wizard-details", args=[draft.pk]) in body


class TestRoomsInTheMatrix:
    def test_the_roles_page_and_the_matrix_row_say_rooms(self, organizer_client, event):
        from permissions.models import Service

        assert Service.objects.get(name="microlocation").title == "Rooms"
        text = visible_text(page(organizer_client, "events:roles", event))
        assert "icrolocation" not in text
