"""A NUL character is no text: wherever a request carries one (its path, its query string,
a header or cookie, a form's field name or value) the answer is a 400, JSON for the API
and scripts, a plain page otherwise, before any view or query runs
(core.middleware.RefuseNulMiddleware). PostgreSQL refuses NUL in a string, so before the
rule a filter such as the dashboard's order search (?q=%00) was a 500 there; SQLite
accepts it, so these tests prove the 400 on both."""

import re

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from config.asgi import application
from events.models import Event, Track
from orders.services import Line, place_order
from tests.factories import SessionFactory, TicketFactory

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "The request holds a NUL character (%00), which no input accepts."
# Filters and parameters the pages and the API read from query strings, and unknown ones.
QUERIES = [
    "q=%00",
    "x=%00",
    "%00=1",
    "q=a%00b",
    "state=%00&q=1",
    "type=%00&person=%00",
    "day=%00&track=%00",
    "page=%00",
    "published=%00",
    "invite=%00",
    "next=%00",
    "search=%00",
    "o=%00",
    "ordering=%00",
    "e=%00",
]


@pytest.fixture
def world(event, organizer):
    """A published event with a session, a ticket and an order, so pages get past their
    lookups to their filters."""
    Event.objects.filter(pk=event.pk).update(state="published")
    event.refresh_from_db()
    ticket = TicketFactory(event=event, name="Regular", paid=True, quantity=10, max_order=5)
    session = SessionFactory(event=event, title="Talk")
    track = Track.objects.create(event=event, name="Web")
    order = place_order(event, actor=None, name="Ada", email="ada@example.com", lines=[Line(ticket.pk, 1)])
    return {"event": event, "ticket": ticket, "session": session, "track": track, "order": order}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def site_paths(world):
    """Every route of the site but the admin's, its parameters filled from ``world``."""
    event = world["event"]
    values = {
        "event_id": event.pk,
        "slug": event.slug,
        "code": world["order"].code,
        "secret": world["order"].secret,
    }

    def fill(match):
        name = match["name"]
        if name in values:
            return str(values[name])
        return str(world["session"].pk) if match["kind"] in ("int", None) else "x"

    paths = set()
    for route in _routes(get_resolver().url_patterns):
        route = route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\.", ".")
        if route.startswith("admin/") or "<format>" in route or "media/" in route:
            continue  # the admin (below), format suffixes, uploaded files
        route = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", fill, route)  # the API router's
        paths.add("/" + re.sub(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>", fill, route))
    return sorted(paths)


def assert_nul_refused(response, json=None):
    assert response.status_code == 400, (response.status_code, response.content[:200])
    if json is None:
        json = response["Content-Type"].startswith("application/json")
    if json:
        assert response["Content-Type"].startswith("application/json")
        body = response.json()
        assert NUL_MESSAGE in (body.get("detail"), body.get("error"))
    else:
        assert response["Content-Type"].startswith("text/html")
        assert NUL_MESSAGE in response.content.decode()


@pytest.mark.parametrize("query", QUERIES)
def test_every_page_and_endpoint_refuses_nul_in_the_query(world, organizer, super_admin, query):
    paths = site_paths(world)
    assert f"/events/{world['event'].pk}/dashboard/orders/" in paths
    assert f"/api/v1/events/{world['event'].pk}/orders/" in paths
    for who in (None, organizer, super_admin):
        client = Client()
        if who is not None:
            client.force_login(who)
        for path in paths:
            response = client.get(f"{path}?{query}")
            assert_nul_refused(response, json=path.startswith("/api/") or None)
    assert Event.objects.filter(pk=world["event"].pk, state="published").exists()


def test_the_dashboards_order_search_refuses_nul(world, organizer):
    client = Client()
    client.force_login(organizer)
    target = reverse("orders:list", args=[world["event"].pk])
    assert client.get(f"{target}?q=Ada").status_code == 200
    assert_nul_refused(client.get(f"{target}?q=%00"), json=False)
    assert_nul_refused(client.get(f"{target}?q=Ada%00"), json=False)
    # A script asking for JSON gets JSON.
    assert_nul_refused(client.get(f"{target}?q=%00", HTTP_X_REQUESTED_WITH="XMLHttpRequest"), json=True)


@pytest.mark.parametrize(
    "name",
    ["events_event_changelist", "events_track_changelist", "tickets_ticket_changelist", "accounts_user_changelist"],
)
def test_the_admin_search_refuses_nul(world, super_admin, name):
    client = Client()
    client.force_login(super_admin)
    target = reverse(f"admin:{name}")
    assert client.get(f"{target}?q=x").status_code == 200
    assert_nul_refused(client.get(f"{target}?q=%00"), json=False)


def test_the_apis_filters_refuse_nul(world, as_organizer):
    event = world["event"]
    for target in (
        f"/api/v1/events/{event.pk}/orders/?q=%00",
        f"/api/v1/events/{event.pk}/orders/?state=%00",
        f"/api/v1/events/{event.pk}/sessions/?track=%00",
        f"/api/v1/events/{event.pk}/activity/?type=%00",
        "/api/v1/events/?published=%00",
        "/api/v1/notifications/?unread=%00",
    ):
        assert_nul_refused(as_organizer.get(target), json=True)


def test_nul_in_the_path_is_refused(world, organizer):
    client = Client()
    client.force_login(organizer)
    assert_nul_refused(client.get(f"/e/{world['event'].slug}%00/"), json=False)
    assert_nul_refused(client.get("/events/speaker-invites/x%00y/"), json=False)
    assert_nul_refused(client.get(f"/api/v1/events/{world['event'].pk}%00/"), json=True)


def test_nul_in_a_cookie_or_header_is_refused(world, organizer):
    client = Client()
    client.force_login(organizer)
    good = client.cookies["sessionid"].value
    client.cookies["sessionid"] = good[:10] + "\x00" + good[10:]
    assert_nul_refused(client.get(reverse("events:mine")), json=False)
    assert_nul_refused(Client(HTTP_AUTHORIZATION="Token abc\x00def").get("/api/v1/events/"), json=True)
    assert_nul_refused(Client().get("/", HTTP_ACCEPT_LANGUAGE="en\x00"), json=False)


@pytest.mark.parametrize(
    "data",
    [
        {"full_name": "Ada\x00"},
        {"full_name": "Ada", "\x00": "1"},
        {"full_name": "Ada", "next": "/\x00"},
    ],
    ids=["value", "name", "another field"],
)
def test_nul_in_a_form_is_refused_and_changes_nothing(user, data):
    client = Client()
    client.force_login(user)
    response = client.post(reverse("profile"), data)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_nul_refused(response, json=False)
    else:  # a form field's own error (Django's ProhibitNullCharactersValidator)
        assert "Null characters are not allowed." in response.content.decode()
    assert User.objects.get(pk=user.pk).full_name == user.full_name


def test_nul_in_a_form_field_read_by_the_view_is_a_400(world, organizer, make_user):
    client = Client()
    client.force_login(organizer)
    target = reverse("events:invite-create", args=[world["event"].pk])
    response = client.post(target, {"invite-email": "ada@example.com", "invite-role": "moderator\x00"})
    assert_nul_refused(response, json=False)
    response = client.post(target, {"invite-email": "ada@example.com\x00", "invite-role": "moderator"})
    assert_nul_refused(response, json=False)


def test_nul_in_the_apis_json_is_a_400(world, as_organizer):
    event = world["event"]
    answer = as_organizer.post(f"/api/v1/events/{event.pk}/tracks/", {"name": "A\x00B"}, format="json")
    assert answer.status_code == 400
    assert not Track.objects.filter(name__startswith="A").exists()


# --- through the ASGI application (the API's front door first) -------------------------------


async def asgi_get(path, query=b"", headers=()):
    communicator = HttpCommunicator(application, "GET", path, headers=[(b"host", b"localhost"), *headers])
    communicator.scope["query_string"] = query
    answer = await communicator.get_response(timeout=10)
    await communicator.wait(timeout=10)
    return answer["status"], {name.lower(): value for name, value in answer["headers"]}, answer["body"]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("query", [b"q=%00", b"q=\x00", b"%00", b"published=true&x=%00"])
async def test_the_asgi_front_door_passes_nul_to_the_refusal(query):
    for path in ("/api/v1/events/", "/api/v1/events/1/tracks/", "/events/"):
        status, headers, body = await asgi_get(path, query)
        assert status == 400, (path, query, body[:200])
        assert NUL_MESSAGE.encode() in body
    status, _, _ = await asgi_get("/api/v1/events/\x00/")
    assert status == 400


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("session", {"title": "Talk", "track": "1\x00"}),
        ("session", {"title": "Talk", "speakers": ["1\x00"]}),
        ("session", {"title": "Talk", "starts_at": "2031-06-02T09:00\x00"}),
        ("track", {"name": "Web", "color": "#123456\x00"}),
        ("track", {"name": "Web", "na\x00me": "Web"}),
        ("ticket", {"name": "Free", "type": "free\x00", "quantity": 10}),
        ("ticket", {"name": "Free", "type": "free", "quantity": "10\x00"}),
        ("microlocation", {"name": "Hall", "latitude": "1\x00"}),
    ],
)
def test_nul_in_any_json_field_of_the_api_is_a_400(world, as_organizer, resource, body):
    event = world["event"]
    answer = as_organizer.post(f"/api/v1/events/{event.pk}/{resource}s/", body, format="json")
    assert answer.status_code == 400, answer.content[:300]
    assert answer["Content-Type"] == "application/json"


def test_nul_in_the_json_of_anonymous_endpoints_is_a_400(world, api_client):
    event, ticket = world["event"], world["ticket"]
    client = api_client()
    for body in (
        {"name": "Ada", "email": "ada\x00@example.com", "lines": [{"ticket": ticket.pk, "quantity": 1}]},
        {"name": "Ada", "email": "ada@example.com", "lines": [{"ticket": f"{ticket.pk}\x00", "quantity": 1}]},
        {"name": "Ada\x00", "email": "ada@example.com", "lines": [{"ticket": ticket.pk, "quantity": 1}]},
    ):
        answer = client.post(f"/api/v1/events/{event.pk}/orders/", body, format="json")
        assert answer.status_code == 400, answer.content[:300]
    answer = client.post("/api/v1/auth/token/", {"email": "a\x00@example.com", "password": "x\x00"}, format="json")
    assert answer.status_code == 400
    answer = client.post(
        "/api/v1/auth/token/", b'{"email": "a@example.com", "password": "x"}\x00', content_type="application/json"
    )
    assert answer.status_code == 400


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_memo_at_the_front_door_never_answers_a_request_with_a_nul():
    from channels.db import database_sync_to_async

    from accounts.models import User as Users
    from events.models import Event as Events

    @database_sync_to_async
    def published_event():
        organizer = Users.objects.create_user("door@example.com", "x")
        return Events.objects.create(name="Door Conf", slug="door-conf", state="published", created_by=organizer)

    event = await published_event()
    path = f"/api/v1/events/{event.pk}/"
    status, headers, _ = await asgi_get(path)
    assert status == 200
    assert (await asgi_get(path))[0] == 200  # answered at the door from here on
    etag = headers[b"etag"]
    assert (await asgi_get(path, headers=[(b"if-none-match", etag)]))[0] == 304
    for nul_header in [(b"if-none-match", etag + b"\x00"), (b"x-anything", b"a\x00b"), (b"accept-language", b"\x00")]:
        status, _, body = await asgi_get(path, headers=[nul_header])
        assert status == 400, nul_header
        assert NUL_MESSAGE.encode() in body


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/ws/notifications/", [(b"cookie", b'sessionid="ab\\000cdefghijklmnop"')]),
        ("/ws/notifications/", [(b"cookie", b"sessionid=ab\x00cdefghijklmnop")]),
        ("/ws/notifications/", [(b"x-anything", b"\x00")]),
        ("/ws/notifications/?x=%00", []),
        ("/ws/notifications/\x00", []),
    ],
    ids=["quoted cookie", "raw cookie", "header", "query", "path"],
)
async def test_a_websocket_handshake_with_a_nul_is_refused(path, headers):
    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://localhost"), (b"host", b"localhost"), *headers]
    )
    connected, _ = await communicator.connect(timeout=10)
    assert not connected  # the handshake answered 403, before the session was looked up
    await communicator.wait(timeout=10)
