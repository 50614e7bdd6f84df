"""The one way into an event (``events.scope.enter_event``) and the one rule of who sees
an event (``permissions.checks.can_view_event``), as pages and the API use them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Value
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from events.models import Event
from events.scope import enter_event
from permissions import checks


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def publish(event):
    Event.objects.filter(pk=event.pk).update(state=Event.State.PUBLISHED)
    event.refresh_from_db()
    return event


class TestCanViewEvent:
    @pytest.mark.parametrize(
        ("who", "sees_draft"),
        [
            ("anonymous", False),
            ("no_role", False),
            ("moderator", True),
            ("organizer", True),
            ("admin", True),
            ("super_admin", True),
        ],
    )
    def test_a_draft_is_seen_by_its_team_and_the_admins_only(self, event, person_as, who, sees_draft):
        user = AnonymousUser() if who == "anonymous" else person_as(who)
        assert checks.can_view_event(user, event) is sees_draft

    @pytest.mark.parametrize("who", ["anonymous", "no_role", "moderator"])
    def test_a_published_event_is_seen_by_anyone_without_a_query(
        self, event, person_as, who, django_assert_num_queries
    ):
        user = AnonymousUser() if who == "anonymous" else person_as(who)
        publish(event)
        with django_assert_num_queries(0):
            assert checks.can_view_event(user, event)

    def test_the_step_7_rule_has_one_name(self):
        assert not hasattr(checks, "hides_event")


class TestEnterEvent:
    def test_sets_the_event_and_the_permissions_in_two_queries(self, event, organizer, django_assert_num_queries):
        request = request_of(organizer)
        with django_assert_num_queries(2):  # the event, then the user's roles in it
            entered = enter_event(request, event_id=event.pk)
            assert request.event_permissions.allows_event("manage_roles")
        assert entered == request.event == event

    def test_by_slug_with_annotations(self, event, organizer):
        request = request_of(organizer)
        entered = enter_event(request, slug=event.slug, annotations={"marker": Value(7)})
        assert entered.pk == event.pk
        assert entered.marker == 7

    def test_a_published_event_asks_no_permissions_unless_they_are_read(
        self, event, make_user, django_assert_num_queries
    ):
        publish(event)
        request = request_of(make_user())
        with django_assert_num_queries(1):
            enter_event(request, event_id=event.pk)
        with django_assert_num_queries(1):
            assert not request.event_permissions.roles
            assert not request.event_permissions.allows("track", "read")  # kept: no second query

    @pytest.mark.parametrize("lookup", [{"event_id": 999_999}, {"event_id": "nope"}, {"slug": "no-such-event"}])
    def test_missing_is_404(self, db, organizer, lookup):
        with pytest.raises(Http404):
            enter_event(request_of(organizer), **lookup)

    def test_a_draft_is_404_to_an_outsider_as_a_missing_one(self, event, make_user):
        request = request_of(make_user())
        with pytest.raises(Http404):
            enter_event(request, event_id=event.pk)
        assert not hasattr(request, "event")

    def test_names_the_event_one_way(self, event, organizer):
        with pytest.raises(TypeError):
            enter_event(request_of(organizer), event_id=event.pk, slug=event.slug)


def test_pages_and_api_enter_the_event_through_the_scope(event, organizer, client):
    """The dashboard page, the public page and the API all leave ``request.event``."""
    client.force_login(organizer)
    for url in (
        reverse("events:dashboard", args=[event.pk]),
        reverse("event_public", args=[event.slug]),
        reverse("api:track-list", args=[event.pk]),
        reverse("api:ticket-list", args=[event.pk]),
        reverse("api:event-versions", args=[event.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.wsgi_request.event == event, url
        assert response.wsgi_request.event_permissions.allows_event("manage_roles"), url
