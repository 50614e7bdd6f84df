"""Who sees an event's activity: the page (``/events/<id>/dashboard/activity/``), the API
(``/api/v1/events/<id>/activity/``, with ETags) and the admin (the super admin, read only)."""

import pytest
from django.urls import reverse

from activity.models import ActivityEntry
from events import services as event_services
from events.models import Track
from tests.factories import TicketFactory


def page_url(event):
    return reverse("events:activity", args=[event.pk])


def api_url(event):
    return f"/api/v1/events/{event.pk}/activity/"


@pytest.fixture
def history(event, organizer, user_with_role):
    """A track added by the organizer and renamed by a co-organizer."""
    coorganizer = user_with_role(event, "coorganizer", full_name="Cora")
    track = event_services.save_resource(Track(event=event, name="Web"), actor=organizer)
    track.name = "Data"
    event_services.save_resource(track, actor=coorganizer)
    return coorganizer


class TestPage:
    def test_the_organizer_sees_who_changed_what(self, client, event, organizer, history):
        client.force_login(organizer)
        response = client.get(page_url(event))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Cora" in body
        assert "Web → Data" in body
        assert f"When ({event.timezone})" in body
        assert f'href="{page_url(event)}"' in body  # the dashboard's tab

    def test_times_in_the_events_time_zone(self, client, event, organizer):
        client.force_login(organizer)
        entry = ActivityEntry.objects.filter(event=event).first()
        shown = entry.created_at.astimezone(event.tzinfo).strftime("%H:%M:%S")
        assert shown in client.get(page_url(event)).content.decode()

    def test_filtered_by_type_and_person(self, client, event, organizer, history):
        client.force_login(organizer)
        tracks = client.get(page_url(event), {"type": "events.track"}).context["object_list"]
        assert {entry.content_type.model for entry in tracks} == {"track"}
        assert len(tracks) == 2
        by_cora = client.get(page_url(event), {"person": history.pk}).context["object_list"]
        assert [entry.actor for entry in by_cora] == [history]
        both = client.get(page_url(event), {"type": "events.track", "person": organizer.pk}).context["object_list"]
        assert [entry.action for entry in both] == [ActivityEntry.Action.CREATED]

    @pytest.mark.parametrize("query", [{"type": "accounts.user"}, {"type": "nonsense"}, {"person": "abc"}])
    def test_a_bad_filter_is_400(self, client, event, organizer, query):
        client.force_login(organizer)
        response = client.get(page_url(event), query)
        assert response.status_code == 400
        assert response.context["filters"].errors

    def test_paginated_keeping_the_filters(self, client, event, organizer):
        for number in range(55):
            event_services.update_event(event, actor=organizer, location=f"Room {number}")
        client.force_login(organizer)
        first = client.get(page_url(event), {"type": "events.event"})
        assert len(first.context["object_list"]) == 50
        assert "type=events.event&amp;page=2" in first.content.decode()
        assert len(client.get(page_url(event), {"type": "events.event", "page": 2}).context["object_list"]) == 6

    def test_every_role_reads_it(self, client, event, user_with_role):
        client.force_login(user_with_role(event, "moderator"))
        assert client.get(page_url(event)).status_code == 200

    def test_no_role_finds_no_draft(self, client, event, user):
        client.force_login(user)
        assert client.get(page_url(event)).status_code == 404

    def test_no_role_is_refused_once_published(self, client, event, organizer, user):
        TicketFactory(event=event)
        event_services.publish_event(event, actor=organizer)
        client.force_login(user)
        assert client.get(page_url(event)).status_code == 403

    def test_anonymous_goes_to_log_in(self, client, event):
        assert client.get(page_url(event)).status_code == 302


class TestApi:
    def test_the_list_newest_first(self, as_organizer, event, history):
        response = as_organizer.get(api_url(event))
        assert response.status_code == 200
        first = response.json()["results"][0]
        assert first["action"] == "updated"
        assert first["object_type"] == "events.track"
        assert first["changes"] == {"name": ["Web", "Data"]}
        assert first["actor"] == history.pk
        assert first["actor_label"] == f"Cora <{history.email}>"

    def test_etag_304_until_something_changes(self, as_organizer, event, organizer):
        first = as_organizer.get(api_url(event))
        etag = first["ETag"]
        assert as_organizer.get(api_url(event), HTTP_IF_NONE_MATCH=etag).status_code == 304
        event_services.update_event(event, actor=organizer, location="Berlin")
        again = as_organizer.get(api_url(event), HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 200
        assert again["ETag"] != etag

    def test_filters(self, as_organizer, event, history):
        tracks = as_organizer.get(api_url(event), {"type": "events.track", "person": history.pk}).json()
        assert [entry["action"] for entry in tracks["results"]] == ["updated"]

    @pytest.mark.parametrize("query", [{"type": "events.nothing"}, {"type": "x"}, {"person": "0"}, {"person": "a"}])
    def test_a_bad_filter_is_400(self, as_organizer, event, query):
        response = as_organizer.get(api_url(event), query)
        assert response.status_code == 400
        assert list(response.json()) == list(query)

    def test_read_only(self, as_organizer, event):
        assert as_organizer.post(api_url(event), {}).status_code == 405
        assert as_organizer.delete(api_url(event)).status_code == 405

    def test_no_role_draft_404_published_403(self, api_client, event, organizer, user):
        client = api_client(user)
        assert client.get(api_url(event)).status_code == 404
        TicketFactory(event=event)
        event_services.publish_event(event, actor=organizer)
        assert client.get(api_url(event)).status_code == 403
        assert api_client().get(api_url(event)).status_code == 401


class TestAdmin:
    def test_the_super_admin_reads_everything(self, client, super_admin, event, history):
        client.force_login(super_admin)
        listing = client.get(reverse("admin:activity_activityentry_changelist"), {"action__exact": "updated"})
        assert listing.status_code == 200
        assert "Data" in listing.content.decode()
        entry = ActivityEntry.objects.filter(event=event).first()
        assert client.get(reverse("admin:activity_activityentry_change", args=[entry.pk])).status_code == 200
        assert client.get(reverse("admin:activity_activityentry_add")).status_code == 403
        delete = client.post(reverse("admin:activity_activityentry_delete", args=[entry.pk]), {"post": "yes"})
        assert delete.status_code == 403
        assert ActivityEntry.objects.filter(pk=entry.pk).exists()

    def test_an_admin_does_not(self, client, admin_user):
        client.force_login(admin_user)
        assert client.get(reverse("admin:activity_activityentry_changelist")).status_code == 403
