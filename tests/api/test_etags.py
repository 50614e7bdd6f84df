"""ETags from version counters (docs/architecture.md, "Conditional requests").

Every GET answers with a tag; the same GET with ``If-None-Match`` answers 304 without a
body, in at most three queries however long the list; any change, made through the
API, a page or the admin, gives a new tag; a detail's tag changes only with its
object; a tag never answers 304 for someone who sees different data.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.api.pagination import PageNumberPagination
from events.api import SessionSerializer, SessionViewSet
from events.models import Session, Speaker, Track
from notifications.services import notify
from permissions.services import grant_role
from tests.factories import SessionFactory
from tickets.api import TicketViewSet
from tickets.models import Ticket


def url_of(name, event, schedule, notification):
    """The URL of a kind of answer, by a short name."""
    if name == "events":
        return reverse("api:event-list")
    if name == "event":
        return reverse("api:event-detail", args=[event.pk])
    if name == "versions":
        return reverse("api:event-versions", args=[event.pk])
    if name == "notifications":
        return reverse("api:notification-list")
    if name == "notification":
        return reverse("api:notification-detail", args=[notification.pk])
    if name.endswith("s"):
        return reverse(f"api:{name[:-1]}-list", args=[event.pk])
    return reverse(f"api:{name}-detail", args=[event.pk, getattr(schedule, name).pk])


ANSWERS = [
    "events",
    "event",
    "versions",
    *(f"{service}s" for service in ("track", "session", "speaker", "sponsor", "microlocation", "ticket")),
    *("track", "session", "speaker", "sponsor", "microlocation", "ticket"),
    "notifications",
    "notification",
]


@pytest.fixture
def notification(organizer):
    return notify(organizer, "Announcement", "Welcome", "<p>Hello</p>")


@pytest.mark.parametrize("name", ANSWERS)
def test_get_has_a_tag_and_the_same_get_with_it_answers_304(name, event, schedule, notification, as_organizer):
    url = url_of(name, event, schedule, notification)
    first = as_organizer.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert set(first["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-cache"}
    assert {"Authorization", "Cookie"} <= {v.strip() for v in first["Vary"].split(",")}

    again = as_organizer.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert "private" in again["Cache-Control"]
    assert "Authorization" in again["Vary"]
    # Among other tags, as a weak one, and for HEAD: still 304.
    assert as_organizer.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert as_organizer.head(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A tag the server never gave: the full answer.
    assert as_organizer.get(url, HTTP_IF_NONE_MATCH='"not-a-tag"').status_code == 200


def test_the_query_string_is_part_of_a_list_tag(event, schedule, as_organizer):
    url = reverse("api:session-list", args=[event.pk])
    full = as_organizer.get(url)["ETag"]
    paged = as_organizer.get(url, {"page_size": 1})
    assert paged["ETag"] != full
    assert as_organizer.get(url, {"page_size": 1}, HTTP_IF_NONE_MATCH=full).status_code == 200


# --- a change gives a new tag, wherever it is made ----------------------------------------


CHANGES = {
    "track": {"name": "Renamed"},
    "session": {"title": "Renamed"},
    "speaker": {"name": "Renamed"},
    "sponsor": {"name": "Renamed"},
    "microlocation": {"name": "Renamed"},
    "ticket": {"name": "Renamed"},
}


@pytest.mark.parametrize("service", list(CHANGES))
def test_a_change_through_the_api_gives_a_new_tag(service, event, schedule, as_organizer):
    list_url = reverse(f"api:{service}-list", args=[event.pk])
    detail_url = reverse(f"api:{service}-detail", args=[event.pk, getattr(schedule, service).pk])
    list_tag, detail_tag = as_organizer.get(list_url)["ETag"], as_organizer.get(detail_url)["ETag"]

    changed = as_organizer.patch(detail_url, CHANGES[service], format="json")
    assert changed.status_code == 200

    list_answer = as_organizer.get(list_url, HTTP_IF_NONE_MATCH=list_tag)
    detail_answer = as_organizer.get(detail_url, HTTP_IF_NONE_MATCH=detail_tag)
    assert list_answer.status_code == detail_answer.status_code == 200
    assert list_answer["ETag"] != list_tag
    assert detail_answer["ETag"] != detail_tag
    # The write's answer carries the new tag of the object.
    assert changed["ETag"] == detail_answer["ETag"]
    assert as_organizer.get(detail_url, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304


def test_creating_and_deleting_through_the_api_give_new_list_tags(event, schedule, as_organizer):
    url = reverse("api:track-list", args=[event.pk])
    tag = as_organizer.get(url)["ETag"]
    created = as_organizer.post(url, {"name": "New"}, format="json")
    assert created.status_code == 201
    after_create = as_organizer.get(url, HTTP_IF_NONE_MATCH=tag)
    assert after_create.status_code == 200
    deleted = as_organizer.delete(reverse("api:track-detail", args=[event.pk, created.json()["id"]]))
    assert deleted.status_code == 204
    after_delete = as_organizer.get(url, HTTP_IF_NONE_MATCH=after_create["ETag"])
    assert after_delete.status_code == 200
    assert len({tag, after_create["ETag"], after_delete["ETag"]}) == 3


def test_a_change_of_the_event_through_the_api_gives_new_tags(event, as_organizer):
    detail_url = reverse("api:event-detail", args=[event.pk])
    tags = {url: as_organizer.get(url)["ETag"] for url in (detail_url, reverse("api:event-list"))}
    assert as_organizer.patch(detail_url, {"location": "Berlin"}, format="json").status_code == 200
    for url, tag in tags.items():
        assert as_organizer.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200


@pytest.fixture
def page_client(organizer):
    client = Client()
    client.force_login(organizer)
    return client


def test_a_change_through_a_page_gives_a_new_tag(event, schedule, as_organizer, page_client):
    """The organizer dashboard's edit pages: the API sees what they change."""
    list_url = reverse("api:track-list", args=[event.pk])
    detail_url = reverse("api:track-detail", args=[event.pk, schedule.track.pk])
    event_url = reverse("api:event-detail", args=[event.pk])
    tags = {url: as_organizer.get(url)["ETag"] for url in (list_url, detail_url, event_url)}

    edit = reverse("events:track-update", args=[event.pk, schedule.track.pk])
    page = page_client.post(edit, {"name": "Renamed on the page", "color": "#112233", "description": ""})
    assert page.status_code == 302
    settings_page = page_client.post(
        reverse("events:settings", args=[event.pk]),
        {
            "name": event.name,
            "description": "Changed on the page",
            "location": "Berlin",
            "starts_at": timezone.localtime(event.starts_at, event.tzinfo).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": timezone.localtime(event.ends_at, event.tzinfo).strftime("%Y-%m-%dT%H:%M"),
            "timezone": event.timezone,
            "currency": event.currency,
        },
    )
    assert settings_page.status_code == 302, settings_page.content.decode()[:2000]

    for url, tag in tags.items():
        answer = as_organizer.get(url, HTTP_IF_NONE_MATCH=tag)
        assert answer.status_code == 200, url
        assert answer["ETag"] != tag
    assert as_organizer.get(detail_url).json()["name"] == "Renamed on the page"


def admin_datetime(moment):
    local = timezone.localtime(moment)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def test_a_change_through_the_admin_gives_a_new_tag(event, schedule, as_organizer, super_admin):
    admin = Client()
    admin.force_login(super_admin)
    session = schedule.session
    other_speaker = Speaker.objects.create(event=event, name="Grace")
    urls = {
        "sessions": reverse("api:session-list", args=[event.pk]),
        "session": reverse("api:session-detail", args=[event.pk, session.pk]),
        "tracks": reverse("api:track-list", args=[event.pk]),
        "track": reverse("api:track-detail", args=[event.pk, schedule.track.pk]),
        "microlocations": reverse("api:microlocation-list", args=[event.pk]),
    }
    tags = {name: as_organizer.get(url)["ETag"] for name, url in urls.items()}

    # Only the session's speakers change (a many-to-many field, saved after the row).
    starts, ends = admin_datetime(session.starts_at), admin_datetime(session.ends_at)
    answer = admin.post(
        reverse("admin:events_session_change", args=[session.pk]),
        {
            "event": event.pk,
            "title": session.title,
            "abstract": session.abstract,
            "track": schedule.track.pk,
            "microlocation": schedule.microlocation.pk,
            "speakers": [schedule.speaker.pk, other_speaker.pk],
            "starts_at_0": starts["0"],
            "starts_at_1": starts["1"],
            "ends_at_0": ends["0"],
            "ends_at_1": ends["1"],
            "_save": "Save",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert as_organizer.get(urls["session"]).json()["speakers"] == sorted([schedule.speaker.pk, other_speaker.pk])
    # A track lists its sessions' ids: its tags follow the sessions too (the room's hold).
    for name in ("sessions", "session", "tracks", "track"):
        assert as_organizer.get(urls[name], HTTP_IF_NONE_MATCH=tags[name]).status_code == 200
    assert as_organizer.get(urls["microlocations"], HTTP_IF_NONE_MATCH=tags["microlocations"]).status_code == 304
    tags = {name: as_organizer.get(url)["ETag"] for name, url in urls.items()}

    answer = admin.post(
        reverse("admin:events_track_change", args=[schedule.track.pk]),
        {"event": event.pk, "name": "Renamed in the admin", "color": "#445566", "description": "", "_save": "Save"},
    )
    assert answer.status_code == 302
    for name in ("tracks", "track"):
        assert as_organizer.get(urls[name], HTTP_IF_NONE_MATCH=tags[name]).status_code == 200


def test_a_bulk_delete_in_the_admin_gives_a_new_tag(event, schedule, as_organizer, super_admin):
    admin = Client()
    admin.force_login(super_admin)
    url = reverse("api:sponsor-list", args=[event.pk])
    tag = as_organizer.get(url)["ETag"]
    answer = admin.post(
        reverse("admin:events_sponsor_changelist"),
        {"action": "delete_selected", "_selected_action": [schedule.sponsor.pk], "post": "yes"},
    )
    assert answer.status_code == 302
    assert as_organizer.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200


def test_a_detail_tag_changes_only_with_its_object(event, schedule, as_organizer):
    other = Track.objects.create(event=event, name="Other track")
    url_of_track = {t.pk: reverse("api:track-detail", args=[event.pk, t.pk]) for t in (schedule.track, other)}
    tags = {pk: as_organizer.get(url)["ETag"] for pk, url in url_of_track.items()}

    assert as_organizer.patch(url_of_track[schedule.track.pk], {"name": "Renamed"}, format="json").status_code == 200

    renamed, untouched = (
        as_organizer.get(url_of_track[pk], HTTP_IF_NONE_MATCH=tags[pk]) for pk in (schedule.track.pk, other.pk)
    )
    assert renamed.status_code == 200
    assert untouched.status_code == 304


def test_a_session_changes_when_its_speaker_or_track_is_deleted(event, schedule, as_organizer):
    """What a session shows (its track's and speakers' ids) changes when they go away."""
    url = reverse("api:session-detail", args=[event.pk, schedule.session.pk])
    tag = as_organizer.get(url)["ETag"]
    assert as_organizer.delete(reverse("api:speaker-detail", args=[event.pk, schedule.speaker.pk])).status_code == 204
    answer = as_organizer.get(url, HTTP_IF_NONE_MATCH=tag)
    assert answer.status_code == 200
    assert answer.json()["speakers"] == []

    tag = answer["ETag"]
    assert as_organizer.delete(reverse("api:track-detail", args=[event.pk, schedule.track.pk])).status_code == 204
    answer = as_organizer.get(url, HTTP_IF_NONE_MATCH=tag)
    assert answer.status_code == 200
    assert answer.json()["track"] is None


# --- different data, different tags ------------------------------------------------------


def test_the_public_never_gets_304_for_the_teams_ticket_list(event, schedule, as_organizer, api_client, make_user):
    event.state = event.State.PUBLISHED
    event.save()
    url = reverse("api:ticket-list", args=[event.pk])
    team = as_organizer.get(url)
    assert [t["name"] for t in team.json()["results"]] == ["Community", "Patron"]
    for client in (api_client(), api_client(make_user())):
        answer = client.get(url, HTTP_IF_NONE_MATCH=team["ETag"])
        assert answer.status_code == 200
        assert [t["name"] for t in answer.json()["results"]] == ["Community"]
        assert answer["ETag"] != team["ETag"]
        # The team never gets 304 for the public's tag either.
        assert as_organizer.get(url, HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 200
    # The hidden ticket: not the public's at all, whatever tag is sent.
    hidden_url = reverse("api:ticket-detail", args=[event.pk, schedule.hidden_ticket.pk])
    team_tag = as_organizer.get(hidden_url)["ETag"]
    assert api_client().get(hidden_url, HTTP_IF_NONE_MATCH=team_tag).status_code == 404


def test_staff_and_team_members_get_different_event_list_tags(event, make_event, make_user, api_client, organizer):
    make_event(make_user(), name="Someone else's")
    admin = api_client(make_user(is_admin=True))
    mine = api_client(organizer)
    url = reverse("api:event-list")
    staff_answer = admin.get(url)
    assert staff_answer.json()["count"] == 2
    answer = mine.get(url, HTTP_IF_NONE_MATCH=staff_answer["ETag"])
    assert answer.status_code == 200
    assert answer.json()["count"] == 1
    assert admin.get(url, HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 200


def test_a_role_given_changes_the_event_list_tag(event, make_event, make_user, api_client, user_with_role):
    person = user_with_role(event, "moderator")
    client = api_client(person)
    url = reverse("api:event-list")
    tag = client.get(url)["ETag"]
    grant_role(make_event(make_user(), name="Another"), person, "moderator")
    answer = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert answer.status_code == 200
    assert answer.json()["count"] == 2


def test_two_users_never_share_notification_tags(make_user, api_client):
    first, second = make_user(), make_user()
    for person in (first, second):
        notify(person, "Announcement", "Same title", "Same message")
    first_tag = api_client(first).get(reverse("api:notification-list"))["ETag"]
    assert api_client(second).get(reverse("api:notification-list"), HTTP_IF_NONE_MATCH=first_tag).status_code == 200


def test_the_public_ticket_tag_changes_when_a_sales_window_opens(event, as_organizer, api_client, monkeypatch):
    event.state = event.State.PUBLISHED
    event.save()
    now = timezone.now()
    Ticket.objects.create(event=event, type="free", name="Always", quantity=10)
    Ticket.objects.create(
        event=event, type="free", name="Early bird", quantity=10, sales_starts_at=now + timedelta(hours=1)
    )
    url = reverse("api:ticket-list", args=[event.pk])
    public = api_client()
    before = public.get(url)
    assert [t["name"] for t in before.json()["results"]] == ["Always"]
    assert public.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304

    # Two hours later, nothing stored has changed, but the early bird is on sale.
    monkeypatch.setattr(TicketViewSet, "now", property(lambda self: now + timedelta(hours=2)))
    after = public.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert [t["name"] for t in after.json()["results"]] == ["Always", "Early bird"]


# --- 304 is cheap --------------------------------------------------------------------------


@pytest.mark.parametrize("length", [1, 200])
def test_304_takes_at_most_three_queries_whatever_the_length(
    length, event, as_organizer, api_client, django_assert_max_num_queries
):
    """At most: the token, the event (with what the tags need), the user's permissions."""
    event.state = event.State.PUBLISHED
    event.save()
    sessions = Session.objects.bulk_create(
        SessionFactory.build(event=event, title=f"Talk {n}", hours=1 + n % 40) for n in range(length)
    )
    Ticket.objects.bulk_create(
        Ticket(event=event, type="free", name=f"Ticket {n}", quantity=10) for n in range(length)
    )
    public = api_client()
    urls = {
        as_organizer: [
            reverse("api:session-list", args=[event.pk]) + "?page_size=500",
            reverse("api:session-detail", args=[event.pk, sessions[-1].pk]),
            reverse("api:event-detail", args=[event.pk]),
            reverse("api:event-list"),
            reverse("api:event-versions", args=[event.pk]),
            reverse("api:ticket-list", args=[event.pk]) + "?page_size=500",
        ],
        public: [reverse("api:ticket-list", args=[event.pk]) + "?page_size=500"],
    }
    for client, client_urls in urls.items():
        for url in client_urls:
            full = client.get(url)
            assert full.status_code == 200
            with django_assert_max_num_queries(3):
                assert client.get(url, HTTP_IF_NONE_MATCH=full["ETag"]).status_code == 304


def test_a_session_list_of_200_is_answered_304_in_three_queries(
    event, as_organizer, django_assert_num_queries, django_assert_max_num_queries
):
    """The issue's case: a long schedule, a client whose copy is current."""
    Session.objects.bulk_create(
        SessionFactory.build(event=event, title=f"Talk {n}", hours=1 + n % 40) for n in range(200)
    )
    url = reverse("api:session-list", args=[event.pk])
    full = as_organizer.get(url, {"page_size": 500})
    assert full.json()["count"] == len(full.json()["results"]) == 200
    with django_assert_max_num_queries(3):
        answer = as_organizer.get(url, {"page_size": 500}, HTTP_IF_NONE_MATCH=full["ETag"])
    assert answer.status_code == 304


def test_304_is_decided_before_the_rows_are_read_or_serialized(event, schedule, as_organizer, monkeypatch):
    url = reverse("api:session-list", args=[event.pk])
    detail_url = reverse("api:session-detail", args=[event.pk, schedule.session.pk])
    tags = {u: as_organizer.get(u)["ETag"] for u in (url, detail_url)}

    def refuse(*args, **kwargs):
        raise AssertionError("rows were read or serialized for a 304")

    monkeypatch.setattr(PageNumberPagination, "paginate_queryset", refuse)
    monkeypatch.setattr(SessionSerializer, "to_representation", refuse)
    monkeypatch.setattr(SessionViewSet, "get_object", refuse)
    for u, tag in tags.items():
        assert as_organizer.get(u, HTTP_IF_NONE_MATCH=tag).status_code == 304
