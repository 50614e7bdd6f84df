"""Event scopes (django-scopes, ``core.request_scope``), the same in production as here:
every request starts with scopes enabled and no event, so a page that queries an event's
rows without entering its event raises ``ScopeError``; once it entered its event, every
such query (the rendering of its answer included) is filtered to that event. The admin,
commands and tasks work across events because they say so.

(The tests' own code runs with scopes disabled, tests/conftest.py; a request through a
test client does not.)"""

import io
import re

import pytest
from channels.testing import HttpCommunicator
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.http import HttpResponse
from django.template import engines
from django.template.response import TemplateResponse
from django.test import Client
from django.urls import get_resolver, include, path, reverse
from django_scopes import ScopeError, get_scope, scope
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from config import settings as project_settings
from config.asgi import application
from events.models import Event, Session, Track
from events.scope import enter_event
from orders.models import Order
from tests.factories import SessionFactory
from tests.permissions import test_draft_visibility as draft_visibility
from tests.utils import run_tasks


def _tracks_in_template(request, event_id):
    """Enters its event; the template reads the tracks while the answer is rendered."""
    event = enter_event(request, event_id=event_id)
    template = engines["django"].from_string("{% for t in tracks %}{{ t.name }};{% endfor %}{{ event.tracks.count }}")
    return TemplateResponse(request, template, {"tracks": Track.objects.all(), "event": event})


def _another_events_tracks(request, event_id, other_id):
    enter_event(request, event_id=event_id)
    return HttpResponse(str(Track.objects.filter(event_id=other_id).count()))


def _forgets_its_event(request, event_id):
    return HttpResponse(str(Track.objects.filter(event_id=event_id).count()))


def _no_event(request):
    return HttpResponse(str(Track.objects.count()))


@api_view(["GET"])
@permission_classes([AllowAny])
def _api_forgets_its_event(request, event_id):
    return Response({"tracks": Track.objects.filter(event_id=event_id).count()})


urlpatterns = [
    path("e/<int:event_id>/tracks/", _tracks_in_template),
    path("e/<int:event_id>/other/<int:other_id>/", _another_events_tracks),
    path("e/<int:event_id>/forgets/", _forgets_its_event),
    path("plain/", _no_event),
    path("api/v1/probe/<int:event_id>/", _api_forgets_its_event),
    path("", include("config.urls")),
]


@pytest.fixture
def two_events(make_event, organizer):
    event, other = make_event(organizer, name="Mine"), make_event(organizer, name="Other")
    Track.objects.create(event=event, name="mine")
    Track.objects.create(event=other, name="theirs")
    return event, other


@pytest.fixture
def client_in(client, organizer):
    client.force_login(organizer)
    return client


def _event_models():
    """Our models with rows of one event: a foreign key to Event, or a required one to
    such a model (an order's lines, a session's invitations)."""
    ours = [m for m in apps.get_models() if not m._meta.auto_created and m.__module__.split(".")[0] in APP_NAMES]

    def to_event(model):
        return any(isinstance(f, models.ForeignKey) and f.related_model is Event for f in model._meta.fields)

    direct = [m for m in ours if to_event(m)]
    through = [
        m
        for m in ours
        if m not in direct
        and any(isinstance(f, models.ForeignKey) and not f.null and f.related_model in direct for f in m._meta.fields)
    ]
    return direct + through


APP_NAMES = {"accounts", "activity", "events", "tickets", "orders", "permissions", "notifications"}


def test_the_middleware_runs_in_production_and_no_switch_turns_it_off():
    assert "core.request_scope.ScopeMiddleware" in project_settings.MIDDLEWARE
    assert not hasattr(project_settings, "EVENTDESK_STRICT_SCOPES")


@pytest.mark.django_db
def test_every_per_event_model_is_scoped():
    names = {model._meta.label for model in _event_models()}
    # The models the issue named, and whatever else has an event.
    assert {
        "events.Track",
        "events.Session",
        "events.Speaker",
        "events.Sponsor",
        "events.Microlocation",
        "tickets.Ticket",
        "orders.Order",
        "orders.OrderLine",
        "permissions.EventRole",
        "permissions.RoleInvite",
        "events.SessionInvite",
        "activity.ActivityEntry",
    } <= names
    for model in _event_models():
        with scope(), pytest.raises(ScopeError):  # enabled, no event: a request before its event
            list(model.objects.all())
        with scope(event=None):  # django-scopes: None is every event
            list(model.objects.all())


@pytest.mark.django_db
def test_a_querysets_own_methods_raise_scope_errors_too():
    with scope():
        for run in (
            lambda: Track.objects.for_event(1),
            lambda: Track.objects.bulk_create([]),
            lambda: Track.objects.filter(name="a"),
            lambda: Order.objects.get(pk=1),
        ):
            with pytest.raises(ScopeError):
                run()


@pytest.mark.urls(__name__)
class TestRequests:
    def test_a_page_of_an_event_reads_that_events_rows_also_when_rendered(self, client_in, two_events):
        event, _ = two_events
        assert client_in.get(f"/e/{event.pk}/tracks/").content == b"mine;1"

    def test_another_events_rows_are_not_there(self, client_in, two_events):
        event, other = two_events
        assert client_in.get(f"/e/{event.pk}/other/{other.pk}/").content == b"0"

    def test_a_page_that_forgets_its_event_raises(self, client_in, two_events):
        event, _ = two_events
        with pytest.raises(ScopeError):
            client_in.get(f"/e/{event.pk}/forgets/")
        with pytest.raises(ScopeError):
            client_in.get("/plain/")
        with pytest.raises(ScopeError):
            client_in.get(f"/api/v1/probe/{event.pk}/")

    def test_in_production_it_is_a_server_error_not_every_events_rows(self, organizer, two_events):
        event, _ = two_events
        client = Client(raise_request_exception=False)
        client.force_login(organizer)
        response = client.get(f"/e/{event.pk}/forgets/")
        assert response.status_code == 500
        assert b"2" not in response.content
        answer = client.get(f"/api/v1/probe/{event.pk}/")
        assert answer.status_code == 500
        assert "tracks" not in answer.content.decode()

    def test_the_scope_ends_with_the_request(self, client_in, two_events):
        event, _ = two_events
        before = get_scope()
        client_in.get(f"/e/{event.pk}/tracks/")
        assert get_scope() == before
        assert Track.objects.count() == 2  # the test's own queries: scopes disabled


@pytest.fixture
def published(two_events):
    Event.objects.filter(pk__in=[e.pk for e in two_events]).update(state=Event.State.PUBLISHED)
    return two_events


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_under_asgi_the_event_scope_holds_until_the_answer_is_rendered(published):
    """Daphne runs the sync views and the rendering in threads of their own: the scope
    the view entered is the one its answer is rendered in, and it ends with it."""
    event, other = published
    for url, status, body in (
        (f"/e/{event.pk}/tracks/", 200, b"mine;1"),
        (f"/e/{event.pk}/other/{other.pk}/", 200, b"0"),
        (f"/e/{event.pk}/forgets/", 500, None),
    ):
        communicator = HttpCommunicator(application, "GET", url, headers=[(b"host", b"localhost")])
        response = await communicator.get_response()
        assert response["status"] == status, url
        if body is not None:
            assert response["body"] == body


def test_the_admin_works_across_events(client, super_admin, two_events):
    event, other = two_events
    session = SessionFactory(event=event, title="Keynote")
    client.force_login(super_admin)
    listed = client.get(reverse("admin:events_track_changelist"))
    assert listed.status_code == 200
    assert b"mine" in listed.content
    assert b"theirs" in listed.content
    form = client.get(reverse("admin:events_session_change", args=[session.pk]))
    assert form.status_code == 200
    assert b"Keynote" in form.content


@pytest.mark.django_db
def test_a_command_works_across_events_outside_any_request():
    with scope():  # as `manage.py` starts: scopes enabled, no event
        call_command("seed_demo", stdout=io.StringIO())
    assert Session.objects.filter(event__slug="eventdesk-demo-conference").exists()


def test_a_task_works_outside_any_request(shop, organizer, client):
    page = client.get(reverse("event_public", args=[shop.slug])).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    data = {**hidden, "name": "Ada", "email": "ada@example.com", f"quantity_{shop.free.pk}": "1"}
    assert client.post(reverse("event_order", args=[shop.slug]), data).status_code == 303
    assert Order.objects.filter(event=shop).count() == 1
    assert run_tasks() >= 1  # as the worker runs them: in no scope, whatever the test's
    assert organizer.notifications.filter(action="New order").exists()


# --- every page, in production's scopes ---------------------------------------------------


@pytest.mark.parametrize("who", ["organizer", "super_admin", "anonymous"])
def test_every_get_route_answers_without_a_scope_error(who, make_event, organizer, super_admin, make_user):
    """Every route of the site (the event's pages and API with one of everything, and the
    pages outside events) read as an Organizer, the super admin and the public: a page
    that queried an event's rows without its event would be a 500 here."""
    event = make_event(organizer, name="Secret plans")  # the name draft_visibility.urls_for looks for
    draft_visibility.one_of_everything(event, organizer, make_user)
    Event.objects.filter(pk=event.pk).update(state=Event.State.PUBLISHED)
    client = Client(raise_request_exception=False)
    if who != "anonymous":
        client.force_login(organizer if who == "organizer" else super_admin)
    pks = draft_visibility.object_pks(event)
    failures, walked = [], 0
    for name, names, callback in draft_visibility.walk(get_resolver().url_patterns):
        if not name or name.startswith("admin:"):
            continue  # the admin: test_the_admin_works_across_events, tests/accounts/test_admin_secrets.py
        if names and not draft_visibility.EVENT_KWARGS & names:
            continue  # a token, a link: their own tests
        urls = draft_visibility.urls_for(name, names, callback, event, pks) if names else [reverse(name)]
        for url in urls:
            walked += 1
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"{url}: {response.status_code}")
    assert walked > 60
    assert not failures, "\n".join(failures)
