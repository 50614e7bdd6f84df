"""The API's front door (core.api.front_door): anonymous reads answered from the cache
before Django, through the ASGI application daphne runs (config.asgi), never stale."""

import asyncio
import uuid
from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator
from django.urls import reverse
from django.utils import timezone

from accounts.tokens import issue_token
from config.asgi import application
from core.api import public
from core.api.front_door import FRONT_DOOR_ANSWERS
from events.models import Event
from tests.api.urls import public_urls
from tests.factories import TicketFactory
from tests.utils import require

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture(autouse=True, params=["locmem", "redis"])
def cache_backend(request, settings):
    """Each test on the local-memory cache (the default) and on Redis (production's: the
    door reads it from the event loop, ``core.cache.RedisCache``), a prefix of its own."""
    if request.param == "redis":
        require(settings.REDIS_URL, "needs Redis (REDIS_URL)")
        settings.CACHES = {
            "default": {
                "BACKEND": "core.cache.RedisCache",
                "LOCATION": settings.REDIS_URL,
                "KEY_PREFIX": f"{settings.REDIS_KEY_PREFIX}-door-{uuid.uuid4().hex[:8]}",
            }
        }
    return request.param


async def request(path, *headers, method="GET", host=b"localhost"):
    """``(status, headers as a dict, body)`` of one request to the ASGI application."""
    communicator = HttpCommunicator(application, method, path, headers=[(b"host", host), *headers])
    answer = await communicator.get_response(timeout=10)
    await communicator.wait(timeout=10)
    return answer["status"], {name.lower(): value for name, value in answer["headers"]}, answer["body"]


def inm(etag):
    return (b"if-none-match", etag)


def answered_here():
    return sum(FRONT_DOOR_ANSWERS.values())


async def test_every_public_endpoint_is_answered_at_the_door_with_djangos_headers(published, schedule):
    for name, url in public_urls(published, schedule).items():
        status, django_headers, body = await request(url)
        assert status == 200, (name, body)
        etag = django_headers[b"etag"]
        before = answered_here()

        status, headers, again = await request(url)  # no tag: the stored bytes
        assert (status, again) == (200, body), name
        kept = {k: v for k, v in headers.items() if k not in (b"date", b"server", b"content-length")}
        assert kept == {k: v for k, v in django_headers.items() if k not in (b"date", b"server", b"content-length")}
        assert headers[b"content-length"] == str(len(body)).encode()

        status, headers, empty = await request(url, inm(etag))
        assert (status, empty, headers[b"etag"]) == (304, b"", etag), name
        assert b"content-type" not in headers
        assert headers[b"cache-control"] == b"public, no-cache"
        assert b"content-security-policy" in headers

        status, _, empty = await request(url, inm(b"W/" + etag), method="HEAD")
        assert (status, empty) == (304, b"")
        assert answered_here() - before == 3, name


async def test_a_change_is_never_answered_stale(published, schedule):
    url = reverse("api:session-list", args=[published.pk])
    _, headers, _ = await request(url)
    old = headers[b"etag"]
    assert (await request(url, inm(old)))[0] == 304
    schedule.session.title = "Moved to the big room"
    await database_sync_to_async(schedule.session.save)()

    before = answered_here()
    status, headers, body = await request(url, inm(old))
    assert status == 200
    assert b"Moved to the big room" in body
    assert headers[b"etag"] != old
    assert answered_here() == before  # Django answered: the memo's generation was gone
    assert (await request(url, inm(headers[b"etag"])))[0] == 304
    assert answered_here() == before + 1

    published.state = Event.State.DRAFT
    await database_sync_to_async(published.save)()
    assert (await request(url, inm(headers[b"etag"])))[0] == 404
    assert (await request(url))[0] == 404


async def test_a_deleted_event_is_404_at_once(published, schedule):
    url = reverse("api:event-versions", args=[published.pk])
    etag = (await request(url))[1][b"etag"]
    assert (await request(url, inm(etag)))[0] == 304
    await database_sync_to_async(published.delete)()
    assert (await request(url, inm(etag)))[0] == 404


async def test_clients_that_name_somebody_always_reach_django(published, schedule, organizer):
    url = reverse("api:speaker-list", args=[published.pk])
    etag = (await request(url))[1][b"etag"]
    token = (await database_sync_to_async(issue_token)(organizer))[1]
    before = answered_here()
    status, _, body = await request(url, (b"authorization", f"Token {token}".encode()))
    assert status == 200
    assert b"ada@example.com" in body  # the organizer's full representation, not the public one
    status, _, _ = await request(url, inm(etag), (b"cookie", b"csrftoken=x; sessionid=not-a-session"))
    assert status == 304  # the public answer, from Django (a stale cookie names nobody)
    assert answered_here() == before
    # Cookies in two headers (as HTTP/2 sends them) are read as Django reads them.
    assert (await request(url, inm(etag), (b"cookie", b"csrftoken=x"), (b"cookie", b"sessionid=y")))[0] == 304
    assert answered_here() == before
    assert (await request(url, inm(etag), (b"cookie", b"csrftoken=x")))[0] == 304
    assert answered_here() == before + 1


async def test_another_host_or_accept_is_another_memo(published, schedule, settings):
    settings.ALLOWED_HOSTS = ["localhost", "other.example"]
    url = reverse("api:event-detail", args=[published.pk])
    await request(url)
    before = answered_here()
    status, _, _ = await request(url, host=b"other.example")
    assert status == 200
    status, _, _ = await request(url, (b"accept", b"image/png"))
    assert status == 406  # Django's answer to what it cannot render, not a stored JSON
    assert answered_here() == before


async def test_a_sales_window_opening_ends_the_memo(published, schedule):
    url = reverse("api:ticket-list", args=[published.pk])
    # Far enough ahead for the first answers on a slow machine, well within the memo's life
    # (MEMO_TIMEOUT), so that only the window can end it.
    opens = timezone.now() + timedelta(seconds=30)
    await database_sync_to_async(TicketFactory)(event=published, name="Early bird", sales_starts_at=opens)
    status, headers, body = await request(url)
    assert b"Early bird" not in body
    etag = headers[b"etag"]
    before = answered_here()
    assert (await request(url, inm(etag)))[0] == 304
    assert answered_here() == before + 1  # at the door, before the window opens
    # The clock (time.time and datetime: the door's and Django's) moved past the opening;
    # nothing in the database changed.
    with time_machine.travel(opens + timedelta(seconds=1)):
        status, headers, body = await request(url, inm(etag))
    assert status == 200
    assert b"Early bird" in body
    assert answered_here() == before + 1


async def test_a_cold_cache_answers_from_django_and_serializes_once(published, schedule):
    url = reverse("api:track-list", args=[published.pk])
    before = public.SERIALIZATIONS["TrackViewSet.list"]
    bodies = await asyncio.gather(*(request(url) for _ in range(5)))
    assert {status for status, _, _ in bodies} == {200}
    assert len({body for _, _, body in bodies}) == 1
    assert public.SERIALIZATIONS["TrackViewSet.list"] - before == 1


@pytest.mark.parametrize("cache_backend", ["redis"], indirect=True)
async def test_the_door_shares_one_cache_client_between_requests(published, schedule, settings):
    """``django.core.cache.cache`` is one backend per task in async code: the door keeps
    one for the process, so requests reuse its Redis connections instead of each opening one."""
    import redis  # noqa: PLC0415

    name = f"door-{uuid.uuid4().hex[:8]}"
    settings.CACHES["default"]["OPTIONS"] = {"client_name": name}
    admin = redis.Redis.from_url(settings.REDIS_URL)

    def connections():
        """The door's connections as Redis counts them (each says its client name)."""
        return len([client for client in admin.client_list() if client["name"] == name])

    url = reverse("api:event-versions", args=[published.pk])
    etag = (await request(url))[1][b"etag"]
    opened_by_django = connections()  # the first answer came from Django (its own client)
    before = answered_here()
    answers = await asyncio.gather(*(request(url, inm(etag)) for _ in range(30)))
    assert {status for status, _, _ in answers} == {304}
    assert answered_here() - before == 30
    assert 1 <= connections() - opened_by_django <= 30
    again = await asyncio.gather(*(request(url, inm(etag)) for _ in range(30)))
    assert {status for status, _, _ in again} == {304}
    assert 1 <= connections() - opened_by_django <= 30  # 60 answers, not 60 connections
