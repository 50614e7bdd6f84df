"""The public API: a published event, read by anyone (step 9).

Anonymous reads of every public endpoint, with and without ``If-None-Match``: a 304 and
a stored 200 take no query at all (the counters and the answers live in the cache); a
draft is 404 to anyone without a role, on every route; nothing private appears in a
public answer; a logged-in user whose role may not read gets the public representation,
one who may read gets the full one; a change is visible at once (to a second process
sharing Redis too); after a change a list is serialized once, however many ask.
"""

import json
import urllib.error
import urllib.request
import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from core.api import public
from events.models import Event, Session, Speaker
from permissions.models import Permission
from tests.api.urls import public_urls
from tests.factories import SessionFactory
from tests.utils import require


def test_anonymous_reads_of_every_public_endpoint_take_no_query_once_cached(
    published, schedule, api_client, django_assert_num_queries, django_assert_max_num_queries
):
    anonymous = api_client()
    for name, url in public_urls(published, schedule).items():
        with django_assert_max_num_queries(4):  # the first pays: counters, rows, their relations
            first = anonymous.get(url)
        assert first.status_code == 200, (name, first.content)
        assert first["Cache-Control"] == "public, no-cache", name
        assert {"Authorization", "Cookie"} <= {v.strip() for v in first["Vary"].split(",")}
        etag = first["ETag"]
        with django_assert_num_queries(0):
            not_modified = anonymous.get(url, HTTP_IF_NONE_MATCH=etag)
        assert not_modified.status_code == 304, name
        assert not_modified.content == b""
        assert not_modified["ETag"] == etag
        assert not_modified["Cache-Control"] == "public, no-cache"
        with django_assert_num_queries(0):
            stored = anonymous.get(url)
        assert stored.status_code == 200
        assert stored.content == first.content, name
        assert stored["ETag"] == etag
        with django_assert_num_queries(0):
            assert anonymous.head(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_public_lists_show_what_the_public_page_shows(published, schedule, api_client):
    anonymous = api_client()
    urls = public_urls(published, schedule)
    body = {name: anonymous.get(url).json() for name, url in urls.items()}
    everything = json.dumps(body)
    # Nothing private: no e-mail address, no hidden ticket, no stock, no creator, no roles.
    assert "ada@example.com" not in everything
    assert "Patron" not in everything
    for private in ('"email"', '"hidden"', '"quantity"', '"created_by"', '"roles"', '"position"'):
        assert private not in everything
    assert [t["name"] for t in body["tickets"]["results"]] == ["Community"]
    assert body["speakers"]["results"][0]["name"] == "Ada"
    # A track lists its sessions (id and title).
    assert body["tracks"]["results"][0]["sessions"] == [{"id": schedule.session.pk, "title": schedule.session.title}]
    assert body["track"]["sessions"] == [{"id": schedule.session.pk, "title": schedule.session.title}]
    assert body["session"]["speakers"] == [schedule.speaker.pk]
    assert body["event"]["name"] == published.name
    assert [e["id"] for e in body["events"]["results"]] == [published.pk]
    assert body["versions"]["event_id"] == body["versions"]["id"] == published.pk
    assert body["versions"]["session_ver"] == body["versions"]["sessions_ver"]
    # A hidden ticket is not the public's at all.
    hidden = reverse("api:ticket-detail", args=[published.pk, schedule.hidden_ticket.pk])
    assert anonymous.get(hidden).status_code == 404


def test_only_published_events_are_listed_for_anyone(published, make_event, make_user, api_client, organizer):
    make_event(organizer, name="Still a draft")
    url = reverse("api:event-list")
    for client in (api_client(), api_client(make_user()), api_client(organizer)):
        answer = client.get(url, {"published": "true"})
        assert answer.status_code == 200
        assert [e["name"] for e in answer.json()["results"]] == [published.name]
    # Without ?published=true the list is as before: yours, logged in.
    assert api_client().get(url).status_code == 401
    assert api_client(organizer).get(url).json()["count"] == 2


@pytest.mark.parametrize("who", ["anonymous", "no_role"])
def test_a_draft_is_404_on_every_route(who, event, schedule, person_as, api_client):
    client = api_client(person_as(who))
    for name, url in public_urls(event, schedule).items():
        if name == "events":
            continue
        answer = client.get(url)
        assert answer.status_code == 404, name
        assert answer["Content-Type"] == "application/json"
        assert client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 404
    assert event.name not in client.get(reverse("api:event-list"), {"published": "true"}).content.decode()


def test_writes_still_need_a_token_and_the_matrix(published, schedule, api_client, make_user):
    url = reverse("api:track-list", args=[published.pk])
    assert api_client().post(url, {"name": "New"}, format="json").status_code == 401
    assert api_client(make_user()).post(url, {"name": "New"}, format="json").status_code == 403
    detail = reverse("api:track-detail", args=[published.pk, schedule.track.pk])
    assert api_client().patch(detail, {"name": "X"}, format="json").status_code == 401
    assert api_client().delete(detail).status_code == 401


def test_a_user_without_read_gets_the_public_representation_one_with_read_the_full_one(
    published, schedule, api_client, make_user, user_with_role, organizer
):
    url = reverse("api:speaker-list", args=[published.pk])
    anonymous = api_client().get(url)
    # Logged in without a role: the public list, not a 403.
    no_role = api_client(make_user()).get(url)
    assert no_role.status_code == 200
    assert no_role.json() == anonymous.json()
    assert no_role["ETag"] == anonymous["ETag"]
    assert no_role["Cache-Control"] == "public, no-cache"
    # A role whose matrix row does not grant read: the public list too.
    moderator = user_with_role(published, "moderator")
    Permission.objects.filter(role__name="moderator", service__name="speaker").update(can_read=False)
    assert api_client(moderator).get(url).json() == anonymous.json()
    # Read granted: the full representation, private.
    full = api_client(organizer).get(url)
    assert full.json()["results"][0]["email"] == "ada@example.com"
    assert "private" in full["Cache-Control"]
    assert full["ETag"] != anonymous["ETag"]
    # ... and never a 304 for the public's tag (nor the other way round).
    assert api_client(organizer).get(url, HTTP_IF_NONE_MATCH=anonymous["ETag"]).status_code == 200
    assert api_client().get(url, HTTP_IF_NONE_MATCH=full["ETag"]).status_code == 200
    # Tickets: the team sees the hidden one.
    tickets = reverse("api:ticket-list", args=[published.pk])
    assert [t["name"] for t in api_client(organizer).get(tickets).json()["results"]] == ["Community", "Patron"]
    assert [t["name"] for t in api_client(make_user()).get(tickets).json()["results"]] == ["Community"]


def test_a_change_is_visible_at_once_and_serialized_once(published, schedule, api_client):
    url = reverse("api:session-list", args=[published.pk])
    anonymous = api_client()
    tag = anonymous.get(url)["ETag"]
    schedule.session.title = "Moved to the big room"
    schedule.session.save()
    before = public.SERIALIZATIONS["SessionViewSet.list"]
    answers = [anonymous.get(url, HTTP_IF_NONE_MATCH=tag) for _ in range(20)]
    assert {a.status_code for a in answers} == {200}
    assert {a.json()["results"][0]["title"] for a in answers} == {"Moved to the big room"}
    assert len({a["ETag"] for a in answers}) == 1
    assert public.SERIALIZATIONS["SessionViewSet.list"] - before == 1
    # Unpublished again: gone for the public at once.
    published.state = Event.State.DRAFT
    published.save()
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(reverse("api:event-list"), {"published": "true"}).json()["count"] == 0


def test_a_moved_session_changes_the_track_list(published, schedule, api_client):
    url = reverse("api:track-list", args=[published.pk])
    anonymous = api_client()
    tag = anonymous.get(url)["ETag"]
    Session.objects.filter(pk=schedule.session.pk).update_and_bump(track=None)
    answer = anonymous.get(url, HTTP_IF_NONE_MATCH=tag)
    assert answer.status_code == 200
    assert answer.json()["results"][0]["sessions"] == []


def test_a_deleted_event_is_404_at_once(published, schedule, api_client, as_organizer):
    url = reverse("api:event-versions", args=[published.pk])
    anonymous = api_client()
    tag = anonymous.get(url)["ETag"]
    assert as_organizer.delete(reverse("api:event-detail", args=[published.pk])).status_code == 204
    assert anonymous.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 404


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("sessions", {"day": "garbage"}),
        ("sessions", {"track": "abc"}),
        ("sessions", {"page": "abc"}),
        ("tracks", {"page": "0"}),
        ("tracks", {"page_size": "lots"}),
        ("speakers", {"page_size": "-5"}),
        ("events", {"published": "maybe"}),
    ],
)
def test_garbage_parameters_answer_400(name, params, published, schedule, api_client):
    url = public_urls(published, schedule)[name].split("?")[0]
    answer = api_client().get(url, params)
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    assert set(answer.json()) == set(params)


def test_unknown_ids_answer_404(published, api_client):
    for url in (
        reverse("api:event-detail", args=[999999]),
        reverse("api:event-versions", args=[999999]),
        reverse("api:session-list", args=[999999]),
        reverse("api:session-detail", args=[published.pk, 999999]),
        reverse("api:ticket-detail", args=[published.pk, 999999]),
    ):
        assert api_client().get(url).status_code == 404, url


def test_a_stale_session_cookie_still_gets_the_public_answer(published, schedule, client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
    answer = client.get(reverse("api:speaker-list", args=[published.pk]))
    assert answer.status_code == 200
    assert "email" not in answer.json()["results"][0]


# --- two processes sharing Redis ----------------------------------------------------------


def fetch(url, etag=None):
    request = urllib.request.Request(url, headers={"If-None-Match": etag} if etag else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
            return answer.status, answer.headers.get("ETag"), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("ETag"), error.read()


@pytest.mark.integration
def test_a_change_in_another_process_is_visible_at_once(start_daphne, organizer, make_event, settings):
    """The test process changes the data; a daphne process answers from the Redis cache
    they share. Never a stale 304: each change is seen by the very next request."""
    require(settings.REDIS_URL, "needs Redis (REDIS_URL)")
    prefix = f"{settings.REDIS_KEY_PREFIX}-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    event = make_event(organizer, state=Event.State.PUBLISHED)
    speaker = Speaker.objects.create(event=event, name="Speaker 0")
    SessionFactory(event=event, title="Talk")
    server = start_daphne(REDIS_URL=settings.REDIS_URL, CHANNEL_LAYER_PREFIX=prefix)
    url = f"{server.url}{reverse('api:speaker-list', args=[event.pk])}"
    versions_url = f"{server.url}{reverse('api:event-versions', args=[event.pk])}"
    status, tag, body = fetch(url)
    assert status == 200
    for n in range(1, 6):
        assert fetch(url, tag)[0] == 304
        speaker.name = f"Speaker {n}"
        speaker.save()  # committed (no test transaction here): the cache learns on commit
        status, new_tag, body = fetch(url, tag)
        assert status == 200, n
        assert json.loads(body)["results"][0]["name"] == f"Speaker {n}"
        assert new_tag != tag
        tag = new_tag
        assert json.loads(fetch(versions_url)[2])["speakers_ver"] == Event.objects.get(pk=event.pk).speakers_ver
    Event.objects.filter(pk=event.pk).update(state=Event.State.DRAFT)
    assert fetch(url, tag)[0] == 404
