"""A track as the original system represented it (the audit's last rows): its sessions as
``{id, title}`` objects, its image's address (``track_image_url``) and its ``location``,
in the full and the public representation; written through the API, the dashboard and the
admin with bad input refused; its tags follow its sessions' titles."""

import pytest
from django.test import Client
from django.urls import reverse

from events.models import Session, Track
from tests.factories import SessionFactory

IMAGE = "https://cdn.example.com/tracks/web.png"


@pytest.fixture
def track(event):
    return Track.objects.create(event=event, name="Web", location="Hall B, first floor", track_image_url=IMAGE)


def tracks_url(event):
    return reverse("api:track-list", args=[event.pk])


def track_url(event, track):
    return reverse("api:track-detail", args=[event.pk, track.pk])


def publish(event):
    event.state = event.State.PUBLISHED
    event.save()


def test_the_full_and_the_public_representation(event, track, as_organizer, api_client, user):
    late = SessionFactory(event=event, track=track, title="Late", hours=3)
    early = SessionFactory(event=event, track=track, title="Early", hours=1)
    SessionFactory(event=event, title="Elsewhere")
    expected = {
        "sessions": [{"id": early.pk, "title": "Early"}, {"id": late.pk, "title": "Late"}],
        "track_image_url": IMAGE,
        "location": "Hall B, first floor",
    }
    for body in (
        as_organizer.get(tracks_url(event)).json()["results"][0],
        as_organizer.get(track_url(event, track)).json(),
    ):
        assert {name: body[name] for name in expected} == expected
    publish(event)
    for client in (api_client(), api_client(user)):  # anonymous; logged in without a role
        listed = client.get(tracks_url(event))
        assert listed["Cache-Control"] == "public, no-cache"
        for body in (listed.json()["results"][0], client.get(track_url(event, track)).json()):
            assert {name: body[name] for name in expected} == expected
            assert set(body) == {
                "id",
                "name",
                "color",
                "description",
                "sessions",
                "track_image_url",
                "location",
                "version",
            }


def test_a_track_without_them(event, as_organizer):
    answer = as_organizer.post(tracks_url(event), {"name": "Plain"}, format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["sessions"], body["track_image_url"], body["location"]) == ([], "", "")


def test_written_through_the_api(event, as_organizer):
    answer = as_organizer.post(
        tracks_url(event),
        {"name": "Data", "track_image_url": "https://img.example.org/data.webp?size=2", "location": "Room 4"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    stored = Track.objects.for_event(event).get(name="Data")
    assert (stored.track_image_url, stored.location) == ("https://img.example.org/data.webp?size=2", "Room 4")
    url = track_url(event, stored)
    changed = as_organizer.patch(
        url, {"location": "", "track_image_url": ""}, format="json", HTTP_IF_MATCH=answer["ETag"]
    )
    assert changed.status_code == 200, changed.json()
    stored.refresh_from_db()
    assert (stored.track_image_url, stored.location) == ("", "")


@pytest.mark.parametrize(
    "body",
    [
        {"track_image_url": "javascript:alert(1)"},
        {"track_image_url": "data:image/png;base64,iVBORw0KGgo="},
        {"track_image_url": "ftp://files.example.com/a.png"},
        {"track_image_url": "file:///etc/passwd"},
        {"track_image_url": "//cdn.example.com/a.png"},
        {"track_image_url": "not a url"},
        {"track_image_url": "https://example.com/" + "a" * 600},
        {"track_image_url": ["https://example.com/a.png"]},
        {"track_image_url": {"url": "https://example.com/a.png"}},
        {"track_image_url": 5},
        {"track_image_url": None},
        {"location": "Hall B\nSet-Cookie: x=1"},
        {"location": "Hall\u2028B"},
        {"location": "Hall\x00B"},
        {"location": "x" * 301},
        {"location": ["Hall B"]},
        {"location": None},
        {"sessions": [{"id": 1, "title": "Injected"}]},
    ],
)
def test_bad_input_is_a_400_and_changes_nothing(event, track, as_organizer, body):
    before = Track.objects.for_event(event).values().get(pk=track.pk)
    created = as_organizer.post(tracks_url(event), {"name": "New", **body}, format="json")
    changed = as_organizer.patch(track_url(event, track), body, format="json")
    if set(body) == {"sessions"}:  # read-only: ignored, as any read-only field
        assert created.status_code == 201
        assert created.json()["sessions"] == []
        assert changed.status_code == 200
        assert changed.json()["sessions"] == []
        before.pop("version"), before.pop("updated_at")  # saved again, as any PATCH
    else:
        for answer in (created, changed):
            assert answer.status_code == 400, answer.json()
            assert set(answer.json()) == set(body)
        assert not Track.objects.for_event(event).filter(name="New").exists()
    assert Track.objects.for_event(event).values(*before).get(pk=track.pk) == before


def test_a_renamed_or_moved_session_changes_the_tracks_tags(event, track, as_organizer, api_client):
    session = SessionFactory(event=event, track=track, title="Before")
    other = Track.objects.create(event=event, name="Other")
    tags = {url: as_organizer.get(url)["ETag"] for url in (tracks_url(event), track_url(event, track))}
    session.title = "After"
    session.save()
    for url, tag in tags.items():
        answer = as_organizer.get(url, HTTP_IF_NONE_MATCH=tag)
        assert answer.status_code == 200
        assert "After" in answer.content.decode()
    publish(event)
    anonymous = api_client()
    tags = {url: anonymous.get(url)["ETag"] for url in (tracks_url(event), track_url(event, track))}
    renamed = as_organizer.patch(
        reverse("api:session-detail", args=[event.pk, session.pk]), {"title": "Renamed"}, format="json"
    )
    assert renamed.status_code == 200
    for url, tag in tags.items():
        answer = anonymous.get(url, HTTP_IF_NONE_MATCH=tag)
        assert answer.status_code == 200
        assert "Renamed" in answer.content.decode()
        tags[url] = answer["ETag"]
    Session.objects.filter(pk=session.pk).update_and_bump(track=other)
    listed = anonymous.get(tracks_url(event), HTTP_IF_NONE_MATCH=tags[tracks_url(event)])
    assert listed.status_code == 200
    assert {body["name"]: body["sessions"] for body in listed.json()["results"]} == {
        "Other": [{"id": session.pk, "title": "Renamed"}],
        "Web": [],
    }
    detail = anonymous.get(track_url(event, track), HTTP_IF_NONE_MATCH=tags[track_url(event, track)])
    assert detail.status_code == 200
    assert detail.json()["sessions"] == []


@pytest.mark.parametrize("who", ["organizer", "anonymous"])
def test_the_list_reads_a_fixed_number_of_queries(event, as_organizer, api_client, who, django_assert_max_num_queries):
    def count(tracks):
        for n in range(tracks):
            track = Track.objects.create(event=event, name=f"Track {len(Track.objects.for_event(event).all())}")
            for hour in range(3):
                SessionFactory(event=event, track=track, title=f"Talk {n}-{hour}", hours=hour + 1)
        client = as_organizer if who == "organizer" else api_client()
        with django_assert_max_num_queries(100) as context:
            answer = client.get(tracks_url(event))
        assert answer.status_code == 200
        assert all(len(body["sessions"]) == 3 for body in answer.json()["results"])
        return len(context.captured_queries)

    if who == "anonymous":
        publish(event)
    assert count(1) == count(5)


# --- the dashboard and the admin -------------------------------------------------------


def test_the_dashboard_form(event, organizer_client):
    url = reverse("events:track-create", args=[event.pk])
    form = organizer_client.get(url).content.decode()
    assert 'name="location"' in form
    assert 'name="track_image_url"' in form
    answer = organizer_client.post(
        url, {"name": "Design", "color": "#112233", "location": "Loft", "track_image_url": "cdn.example.com/d.png"}
    )
    assert answer.status_code == 302
    stored = Track.objects.for_event(event).get(name="Design")
    assert (stored.location, stored.track_image_url) == ("Loft", "https://cdn.example.com/d.png")
    listed = organizer_client.get(reverse("events:track-list", args=[event.pk])).content.decode()
    assert "Loft" in listed


@pytest.mark.parametrize(
    ("field", "value"),
    [("track_image_url", "javascript:alert(1)"), ("track_image_url", "ftp://x.example/a.png"), ("location", "a\r\nb")],
)
def test_the_dashboard_refuses_bad_input(event, organizer_client, field, value):
    url = reverse("events:track-create", args=[event.pk])
    answer = organizer_client.post(url, {"name": "Design", "color": "#112233", field: value})
    assert answer.status_code == 200
    assert answer.context["form"].errors[field]
    assert not Track.objects.for_event(event).exists()


def test_the_admin(event, track, super_admin):
    admin = Client()
    admin.force_login(super_admin)
    url = reverse("admin:events_track_change", args=[track.pk])
    page = admin.get(url).content.decode()
    assert 'name="location"' in page
    assert 'name="track_image_url"' in page
    data = {"event": event.pk, "name": "Web", "color": "#445566", "description": "", "_save": "Save"}
    assert admin.post(url, {**data, "track_image_url": "javascript:alert(1)"}).status_code == 200
    answer = admin.post(url, {**data, "location": "Annex", "track_image_url": "http://img.example.com/w.jpg"})
    assert answer.status_code == 302
    track.refresh_from_db()
    assert (track.location, track.track_image_url) == ("Annex", "http://img.example.com/w.jpg")


@pytest.mark.parametrize("role", ["moderator", "track_organizer"])
def test_a_drafts_sessions_go_with_its_tracks_only_to_who_may_read_sessions(event, track, person_as, api_client, role):
    # The default matrix lets these roles read tracks, not sessions: the sessions API
    # refuses them (403), so the tracks do not list the draft's session titles either.
    from permissions.models import Permission

    SessionFactory(event=event, track=track, title="Unannounced keynote")
    client = api_client(person_as(role))
    assert client.get(reverse("api:session-list", args=[event.pk])).status_code == 403
    listed, one = client.get(tracks_url(event)), client.get(track_url(event, track))
    for answer in (listed, one):
        assert answer.status_code == 200
        assert b"Unannounced keynote" not in answer.content
    assert "sessions" not in one.json()
    assert "sessions" not in listed.json()["results"][0]
    # Given the read of sessions (the matrix changed), they see them, under another tag.
    Permission.objects.filter(role__name=role, service__name="session").update(can_read=True)
    for url, answer in ((tracks_url(event), listed), (track_url(event, track), one)):
        again = api_client(person_as(role)).get(url, HTTP_IF_NONE_MATCH=answer["ETag"])
        assert again.status_code == 200
        assert b"Unannounced keynote" in again.content
    # Once the event is published, its sessions are public: the tracks list them to all.
    Permission.objects.filter(role__name=role, service__name="session").update(can_read=False)
    publish(event)
    for url in (tracks_url(event), track_url(event, track)):
        assert b"Unannounced keynote" in client.get(url).content
