"""Event scopes, checked (core.scopes): in strict mode (the tests), a query of an
event-owned model inside an event's scope must name that event (``for_event``, or a
related manager of it); the admin and pages outside events are unscoped; production
never checks."""

import pytest
from django.contrib import admin
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponse
from django.urls import path

from config import settings as project_settings
from core import scopes
from core.scopes import ScopeError
from events.models import Event, Track
from events.scope import enter_event


def _other_events_tracks(request, event_id, other_id):
    enter_event(request, event_id=event_id)
    return HttpResponse(str(len(Track.objects.for_event(other_id))))


def _unscoped_tracks(request, event_id):
    enter_event(request, event_id=event_id)
    return HttpResponse(str(len(Track.objects.all())))


def _scoped_tracks(request, event_id):
    event = enter_event(request, event_id=event_id)
    mine = Track.objects.for_event(event)
    return HttpResponse(f"{len(mine)} {event.tracks.count()} {mine.filter(name='a').exists()}")


def _no_event(request):
    return HttpResponse(str(len(Track.objects.all())))


urlpatterns = [
    path("e/<int:event_id>/other/<int:other_id>/", _other_events_tracks),
    path("e/<int:event_id>/unscoped/", _unscoped_tracks),
    path("e/<int:event_id>/scoped/", _scoped_tracks),
    path("plain/", _no_event),
    # Under the admin's prefix: unscoped, even after entering an event.
    path("admin/probe/<int:event_id>/", _unscoped_tracks),
    path("admin/", admin.site.urls),
]


@pytest.fixture
def two_events(make_event, organizer):
    event, other = make_event(organizer), make_event(organizer)
    for e in (event, other):
        Track.objects.create(event=e, name="a")
    return event, other


@pytest.fixture
def client_in(client, organizer):
    client.force_login(organizer)
    return client


def test_production_does_not_check():
    assert project_settings.EVENTDESK_STRICT_SCOPES is False
    assert project_settings.MIDDLEWARE.index("core.scopes.ScopeMiddleware") > project_settings.MIDDLEWARE.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    )


@pytest.mark.urls(__name__)
class TestRequests:
    def test_another_events_tracks_raise(self, client_in, two_events):
        event, other = two_events
        with pytest.raises(ScopeError, match="for event"):
            client_in.get(f"/e/{event.pk}/other/{other.pk}/")

    def test_a_query_without_its_event_raises(self, client_in, two_events):
        event, _ = two_events
        with pytest.raises(ScopeError, match="names no event"):
            client_in.get(f"/e/{event.pk}/unscoped/")

    def test_for_event_and_related_managers_pass(self, client_in, two_events):
        event, _ = two_events
        response = client_in.get(f"/e/{event.pk}/scoped/")
        assert response.content == b"1 1 True"

    def test_a_page_outside_events_is_unscoped(self, client_in, two_events):
        assert client_in.get("/plain/").content == b"2"

    def test_admin_pages_are_unscoped(self, client_in, two_events):
        event, _ = two_events
        assert client_in.get(f"/admin/probe/{event.pk}/").content == b"2"

    def test_off_nothing_is_checked(self, client_in, two_events, settings):
        settings.EVENTDESK_STRICT_SCOPES = False
        event, other = two_events
        assert client_in.get(f"/e/{event.pk}/other/{other.pk}/").content == b"1"
        assert client_in.get(f"/e/{event.pk}/unscoped/").content == b"2"

    def test_the_scope_ends_with_the_request(self, client_in, two_events):
        event, _ = two_events
        client_in.get(f"/e/{event.pk}/scoped/")
        assert scopes.current() is None
        assert len(Track.objects.all()) == 2  # the test's own queries are not checked


def test_the_real_admin_lists_every_events_tracks(client, super_admin, two_events):
    client.force_login(super_admin)
    response = client.get("/admin/events/track/")
    assert response.status_code == 200


@pytest.mark.django_db
class TestQuerySets:
    @pytest.fixture(autouse=True)
    def _in_scope(self, two_events):
        self.event, self.other = two_events
        with scopes.strict(), scopes.scope(self.event):
            yield

    @pytest.mark.parametrize(
        "run",
        [
            list,
            lambda qs: qs.count(),
            lambda qs: qs.exists(),
            lambda qs: qs.aggregate(n=Count("id")),
            lambda qs: qs.first(),
            lambda qs: qs.get(name="a"),
            lambda qs: list(qs.iterator()),
            lambda qs: list(qs.values_list("name", flat=True)),
            lambda qs: qs.update(name="b"),
            lambda qs: qs.delete(),
        ],
    )
    def test_unscoped_or_another_events_raise(self, run):
        with pytest.raises(ScopeError):
            run(Track.objects.filter(name="a"))
        with pytest.raises(ScopeError):
            run(Track.objects.for_event(self.other).filter(name="a"))

    def test_for_event_and_related_managers_pass(self):
        assert Track.objects.for_event(self.event).filter(name="a").count() == 1
        assert Track.objects.for_event(self.event.pk).get(name="a").event_id == self.event.pk
        assert list(self.event.tracks.values_list("name", flat=True)) == ["a"]
        assert Track.objects.for_event(self.event).update(name="b") == 1

    def test_a_subquery_is_not_run_by_itself(self):
        tracks = Track.objects.filter(event=OuterRef("pk"))
        assert Event.objects.filter(Exists(tracks)).count() == 2
        assert Event.objects.filter(pk__in=Track.objects.values("event")).count() == 2

    def test_none_runs_nothing(self):
        assert list(Track.objects.none()) == []

    def test_unscoped_allows_all(self):
        with scopes.unscoped():
            assert Track.objects.count() == 2

    def test_not_strict_allows_all(self):
        with scopes.strict(False):
            assert Track.objects.count() == 2
