"""The organizer dashboard: overview, the five services' pages, settings, delete.

What each role may do is walked in tests/permissions/test_matrix_walk.py; here: what the
pages show, object scoping, the one-query rule, and bad input.
"""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from events.models import DASHBOARD_RESOURCES as RESOURCES
from events.models import Event, Microlocation, Session, Speaker, Track
from events.services import set_background_image
from tests.events.pages import local, session_data, url
from tests.images import image_bytes, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_event(make_event, organizer):
    """A second event of the same organizer."""
    return make_event(organizer, name="Other Con")


class TestOverview:
    def test_counts_and_every_button_for_the_organizer(self, organizer_client, event):
        Track.objects.create(event=event, name="Web")
        Track.objects.create(event=event, name="Data")
        Speaker.objects.create(event=event, name="Ada")
        response = organizer_client.get(reverse("events:dashboard", args=[event.pk]))
        assert response.status_code == 200
        cards = {card["name"]: card for card in response.context["resource_cards"]}
        assert {name: card["count"] for name, card in cards.items()} == {
            "track": 2,
            "session": 0,
            "speaker": 1,
            "sponsor": 0,
            "microlocation": 0,
        }
        body = response.content.decode()
        for service in RESOURCES:
            assert f'href="{url(service, "create", event)}"' in body
            assert f'href="{url(service, "list", event)}"' in body
        assert reverse("events:delete", args=[event.pk]) in body

    def test_a_moderator_sees_only_what_the_matrix_gives(self, client, event, user_with_role):
        client.force_login(user_with_role(event, "moderator"))
        body = client.get(reverse("events:dashboard", args=[event.pk])).content.decode()
        assert f'href="{url("track", "list", event)}"' in body
        for service in RESOURCES:
            assert url(service, "create", event) not in body
        for service in ("session", "speaker", "sponsor", "microlocation"):
            assert url(service, "list", event) not in body
        assert reverse("events:delete", args=[event.pk]) not in body

    def test_admin_reads_without_buttons_to_change(self, client, event, admin_user):
        client.force_login(admin_user)
        response = client.get(reverse("events:dashboard", args=[event.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        assert all(url(service, "create", event) not in body for service in RESOURCES)
        assert reverse("events:delete", args=[event.pk]) not in body
        # Settings: a read-only page (issue 13), without a form to send.
        settings = client.get(reverse("events:settings", args=[event.pk])).content.decode()
        assert 'data-testid="settings-read-only"' in settings
        assert "<form" not in settings.split('data-testid="dashboard-nav"')[1]

    def test_no_role_finds_no_draft(self, client, event, user):
        client.force_login(user)
        assert client.get(reverse("events:dashboard", args=[event.pk])).status_code == 404  # as a missing one

    def test_no_role_is_forbidden_once_published(self, client, make_event, organizer, user):
        event = make_event(organizer, state=Event.State.PUBLISHED)
        client.force_login(user)
        assert client.get(reverse("events:dashboard", args=[event.pk])).status_code == 403

    def test_anonymous_goes_to_log_in(self, client, event):
        response = client.get(reverse("events:dashboard", args=[event.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_missing_event(self, organizer_client):
        assert organizer_client.get(reverse("events:dashboard", args=[999999])).status_code == 404

    def test_my_events_links_to_the_dashboard(self, organizer_client, event):
        body = organizer_client.get(reverse("events:mine")).content.decode()
        assert f'href="{reverse("events:dashboard", args=[event.pk])}"' in body


class TestOneQueryPerRequest:
    """However many buttons a page decides, the user's permissions are read once."""

    @staticmethod
    def permission_queries(captured):
        return [q["sql"] for q in captured.captured_queries if "permissions_" in q["sql"]]

    def test_overview_with_all_five_services_buttons(self, organizer_client, event, django_assert_max_num_queries):
        dashboard = reverse("events:dashboard", args=[event.pk])
        # session + user (log-in), the event, the user's permissions in it, the five
        # counts (one query), the navbar's unread notifications count.
        with django_assert_max_num_queries(6) as captured:
            response = organizer_client.get(dashboard)
        assert response.status_code == 200
        assert len(response.context["resource_cards"]) == 5
        assert all(card["create_url"] and card["list_url"] for card in response.context["resource_cards"])
        assert len(self.permission_queries(captured)) == 1

    def test_a_list_with_buttons_on_every_row(self, organizer_client, event, django_assert_max_num_queries):
        for n in range(20):
            Track.objects.create(event=event, name=f"Track {n}")
        # session, user, event, permissions, the page count, the rows, notifications count.
        with django_assert_max_num_queries(7) as captured:
            response = organizer_client.get(url("track", "list", event))
        assert response.content.decode().count('data-action="delete"') == 20
        assert len(self.permission_queries(captured)) == 1


class TestServicePages:
    def test_buttons_follow_the_matrix(self, client, event, user_with_role):
        Track.objects.create(event=event, name="Web")
        client.force_login(user_with_role(event, "coorganizer"))  # tracks: read, update
        body = client.get(url("track", "list", event)).content.decode()
        assert 'data-action="update"' in body
        assert 'data-action="delete"' not in body
        assert 'data-action="create"' not in body

    def test_list_shows_only_this_events_objects(self, organizer_client, event, other_event):
        Track.objects.create(event=event, name="Ours")
        Track.objects.create(event=other_event, name="Theirs")
        response = organizer_client.get(url("track", "list", event))
        assert [track.name for track in response.context["object_list"]] == ["Ours"]

    @pytest.mark.parametrize("page", ["update", "delete"])
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_another_events_object_is_not_found_even_for_its_organizer(
        self, organizer_client, event, other_event, page, method
    ):
        theirs = Track.objects.create(event=other_event, name="Theirs")
        response = getattr(organizer_client, method)(url("track", page, event, theirs.pk), {"name": "Moved"})
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.name == "Theirs"
        # Through its own event the same organizer reaches it.
        assert organizer_client.get(url("track", "update", other_event, theirs.pk)).status_code == 200

    @pytest.mark.parametrize("page", ["list", "create"])
    def test_missing_event(self, organizer_client, page):
        assert organizer_client.get(reverse(f"events:track-{page}", args=[999999])).status_code == 404

    def test_missing_object(self, organizer_client, event):
        assert organizer_client.get(url("sponsor", "update", event, 999999)).status_code == 404

    def test_delete_by_get_only_asks(self, organizer_client, event):
        track = Track.objects.create(event=event, name="Web")
        response = organizer_client.get(url("track", "delete", event, track.pk))
        assert response.status_code == 200
        assert Track.objects.filter(pk=track.pk).exists()

    def test_delete_leaves_sessions_without_the_track(self, organizer_client, event):
        track = Track.objects.create(event=event, name="Web")
        starts = event.starts_at
        session = Session.objects.create(
            event=event, title="Talk", track=track, starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
        response = organizer_client.post(url("track", "delete", event, track.pk))
        assert response.status_code == 302
        assert response["Location"] == url("track", "list", event)
        session.refresh_from_db()
        assert session.track is None

    def test_create_a_session_with_its_track_room_and_speakers(self, organizer_client, event):
        track = Track.objects.create(event=event, name="Web")
        room = Microlocation.objects.create(event=event, name="Hall A")
        ada, bob = Speaker.objects.create(event=event, name="Ada"), Speaker.objects.create(event=event, name="Bob")
        data = session_data(event, track=track.pk, microlocation=room.pk, speakers=[ada.pk, bob.pk])
        response = organizer_client.post(url("session", "create", event), data)
        assert response.status_code == 302
        session = Session.objects.get()
        assert (session.event, session.track, session.microlocation) == (event, track, room)
        assert set(session.speakers.all()) == {ada, bob}
        # Entered in the event's time zone (Europe/Berlin), to the minute; stored as that instant.
        assert session.starts_at == (event.starts_at + timedelta(hours=3)).replace(second=0)

    def test_edit_saves_and_counts_a_version(self, organizer_client, event):
        track = Track.objects.create(event=event, name="Web", color="#000000")
        before = Event.objects.get(pk=event.pk).tracks_ver
        response = organizer_client.post(
            url("track", "update", event, track.pk), {"name": "Web & Mobile", "color": "#abcdef"}
        )
        assert response.status_code == 302
        track.refresh_from_db()
        assert (track.name, track.color, track.version) == ("Web & Mobile", "#abcdef", 2)
        assert Event.objects.get(pk=event.pk).tracks_ver == before + 1


class TestBadInput:
    """Bad input: the form shows what is wrong (200, as Django's forms do) and nothing is saved."""

    def test_bad_colour(self, organizer_client, event):
        response = organizer_client.post(url("track", "create", event), {"name": "Web", "color": "red"})
        assert response.status_code == 200
        assert "color" in response.context["form"].errors
        assert not Track.objects.exists()

    def test_bad_colour_on_edit_changes_nothing(self, organizer_client, event):
        track = Track.objects.create(event=event, name="Web", color="#000000")
        response = organizer_client.post(url("track", "update", event, track.pk), {"name": "New", "color": "#12"})
        assert response.status_code == 200
        track.refresh_from_db()
        assert (track.name, track.color, track.version) == ("Web", "#000000", 1)

    def test_session_ending_before_it_starts(self, organizer_client, event):
        data = session_data(event)
        data["starts_at"], data["ends_at"] = data["ends_at"], data["starts_at"]
        response = organizer_client.post(url("session", "create", event), data)
        assert response.status_code == 200
        assert "ends_at" in response.context["form"].errors
        assert not Session.objects.exists()

    def test_session_outside_the_event(self, organizer_client, event):
        before = event.starts_at - timedelta(days=1)
        data = session_data(event, starts_at=local(event, before), ends_at=local(event, before + timedelta(hours=1)))
        response = organizer_client.post(url("session", "create", event), data)
        assert response.status_code == 200
        assert "starts_at" in response.context["form"].errors
        assert not Session.objects.exists()

    @pytest.mark.parametrize("field", ["track", "microlocation", "speakers"])
    def test_session_with_another_events_object(self, organizer_client, event, other_event, field):
        model = {"track": Track, "microlocation": Microlocation, "speakers": Speaker}[field]
        theirs = model.objects.create(event=other_event, name="Theirs")
        value = [theirs.pk] if field == "speakers" else theirs.pk
        response = organizer_client.post(url("session", "create", event), session_data(event, **{field: value}))
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert not Session.objects.exists()

    def test_moving_a_session_into_another_events_track(self, organizer_client, event, other_event):
        starts = event.starts_at
        session = Session.objects.create(
            event=event, title="Talk", starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
        theirs = Track.objects.create(event=other_event, name="Theirs")
        response = organizer_client.post(
            url("session", "update", event, session.pk), session_data(event, title="Moved", track=theirs.pk)
        )
        assert response.status_code == 200
        session.refresh_from_db()
        assert (session.title, session.track) == ("Talk", None)

    @pytest.mark.parametrize(("field", "value"), [("latitude", "91"), ("longitude", "east"), ("floor", "1.5")])
    def test_bad_room_position(self, organizer_client, event, field, value):
        response = organizer_client.post(url("microlocation", "create", event), {"name": "Hall", field: value})
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert not Microlocation.objects.exists()

    def test_sponsor_url_and_speaker_email(self, organizer_client, event):
        sponsor = organizer_client.post(url("sponsor", "create", event), {"name": "ACME", "url": "not a url"})
        speaker = organizer_client.post(url("speaker", "create", event), {"name": "Ada", "email": "ada@"})
        assert (sponsor.status_code, speaker.status_code) == (200, 200)
        assert "url" in sponsor.context["form"].errors
        assert "email" in speaker.context["form"].errors


class TestSettings:
    def settings_data(self, event, **overrides):
        data = {
            "name": event.name,
            "description": event.description,
            "location": event.location,
            "starts_at": local(event, event.starts_at),
            "ends_at": local(event, event.ends_at),
            "timezone": event.timezone,
            "currency": event.currency,
        }
        data.update(overrides)
        return data

    def test_organizer_changes_the_event(self, organizer_client, event):
        response = organizer_client.post(
            reverse("events:settings", args=[event.pk]),
            self.settings_data(event, name="PyCon 2027", location="Berlin", currency="USD"),
        )
        assert response.status_code == 302
        changed = Event.objects.get(pk=event.pk)
        assert (changed.name, changed.location, changed.currency) == ("PyCon 2027", "Berlin", "USD")
        assert changed.event_ver == event.event_ver + 1

    def test_times_are_in_the_chosen_time_zone(self, organizer_client, event):
        data = self.settings_data(
            event, timezone="America/New_York", starts_at="2030-06-01T09:00", ends_at="2030-06-02T18:00"
        )
        assert organizer_client.post(reverse("events:settings", args=[event.pk]), data).status_code == 302
        changed = Event.objects.get(pk=event.pk)
        new_york = zoneinfo.ZoneInfo("America/New_York")
        assert changed.timezone == "America/New_York"
        assert changed.starts_at == datetime(2030, 6, 1, 9, 0, tzinfo=new_york)
        assert changed.ends_at == datetime(2030, 6, 2, 18, 0, tzinfo=new_york)

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"ends_at": "2020-01-01T00:00"}, "ends_at"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"currency": "XXX"}, "currency"),
            ({"name": ""}, "name"),
        ],
    )
    def test_bad_input_changes_nothing(self, organizer_client, event, overrides, field):
        response = organizer_client.post(
            reverse("events:settings", args=[event.pk]), self.settings_data(event, **{"name": "Renamed", **overrides})
        )
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert Event.objects.get(pk=event.pk).name == "PyCon Test"
        # The page's header still shows the stored event, not the rejected values.
        assert response.context["event"].name == "PyCon Test"

    def test_the_coorganizer_may_update_the_event(self, client, event, user_with_role):
        client.force_login(user_with_role(event, "coorganizer"))
        response = client.post(reverse("events:settings", args=[event.pk]), self.settings_data(event, name="Co's"))
        assert response.status_code == 302
        assert Event.objects.get(pk=event.pk).name == "Co's"

    @pytest.mark.parametrize(("who", "reads", "writes"), [("user", 404, 404), ("admin_user", 200, 403)])
    def test_no_role_and_admin_may_not(self, client, request, event, who, reads, writes):
        # Without a role the draft is not even there (404); the admin reads it, may not change it.
        client.force_login(request.getfixturevalue(who))
        settings_url = reverse("events:settings", args=[event.pk])
        assert client.get(settings_url).status_code == reads
        assert client.post(settings_url, self.settings_data(event, name="Taken")).status_code == writes
        assert Event.objects.get(pk=event.pk).name == "PyCon Test"


class TestDeleteEvent:
    def test_organizer_deletes_after_typing_the_name(self, organizer_client, event):
        Track.objects.create(event=event, name="Web")
        delete_url = reverse("events:delete", args=[event.pk])
        assert organizer_client.get(delete_url).status_code == 200
        response = organizer_client.post(delete_url, {"confirm_name": "PyCon Test"})
        assert response.status_code == 302
        assert response["Location"] == reverse("events:mine")
        assert not Event.objects.filter(pk=event.pk).exists()
        assert not Track.objects.exists()

    @pytest.mark.parametrize("data", [{}, {"confirm_name": "PyCon"}])
    def test_without_the_right_name_nothing_is_deleted(self, organizer_client, event, data):
        response = organizer_client.post(reverse("events:delete", args=[event.pk]), data)
        assert response.status_code == 200
        assert "confirm_name" in response.context["form"].errors
        assert Event.objects.filter(pk=event.pk).exists()

    @pytest.mark.parametrize("role", ["coorganizer", "track_organizer", "moderator"])
    def test_only_the_organizer(self, client, event, user_with_role, role):
        client.force_login(user_with_role(event, role))
        delete_url = reverse("events:delete", args=[event.pk])
        assert client.get(delete_url).status_code == 403
        assert client.post(delete_url, {"confirm_name": "PyCon Test"}).status_code == 403
        assert Event.objects.filter(pk=event.pk).exists()

    def test_super_admin_may(self, client, event, super_admin):
        client.force_login(super_admin)
        response = client.post(reverse("events:delete", args=[event.pk]), {"confirm_name": "PyCon Test"})
        assert response.status_code == 302
        assert not Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_an_event_deletes_its_image_file(organizer_client, event):
    set_background_image(event, image_bytes())
    event.refresh_from_db()
    assert stored_files() == [event.background_image.name]
    response = organizer_client.post(reverse("events:delete", args=[event.pk]), {"confirm_name": event.name})
    assert response.status_code == 302
    assert stored_files() == []
