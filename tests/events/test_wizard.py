"""The creation wizard's pages (events.views.wizard) and publishing (events.services)."""

import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event
from events.views.wizard import STEP_URLS
from permissions.models import EventRole
from tests.events.pages import BERLIN, NEXT_YEAR, details, step
from tests.tickets.formsets import donation, formset_data, free, paid, save, stored_rows
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


class TestNewEvent:
    def test_anonymous_goes_to_log_in(self, client):
        response = client.get(reverse("events:new"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_empty_page(self, organizer_client):
        response = organizer_client.get(reverse("events:new"))
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="bgimage-after-save"' in body
        assert "data-upload-url" not in body
        assert "data-browser-timezone" in body

    def test_saving_creates_a_draft_with_the_user_as_organizer(self, organizer_client, organizer):
        response = organizer_client.post(reverse("events:new"), details())
        event = Event.objects.get()
        assert response.status_code == 302
        assert response["Location"] == step("details", event)
        assert event.state == Event.State.DRAFT
        assert event.created_by == organizer
        assert list(EventRole.objects.filter(event=event).values_list("user", "role__name")) == [
            (organizer.pk, "organizer")
        ]

    def test_times_are_read_in_the_chosen_time_zone(self, organizer_client):
        organizer_client.post(reverse("events:new"), details(timezone="Europe/Berlin"))
        event = Event.objects.get()
        assert event.starts_at == datetime(NEXT_YEAR, 6, 1, 9, 30, tzinfo=BERLIN)
        assert event.starts_at.astimezone(zoneinfo.ZoneInfo("UTC")).hour == 7  # summer time: UTC+2

    def test_a_rejected_form_keeps_the_chosen_time_zone(self, organizer_client):
        response = organizer_client.post(reverse("events:new"), details(name="", timezone="Asia/Tokyo"))
        body = response.content.decode()
        assert "data-browser-timezone" not in body  # the script would replace the choice
        assert 'value="Asia/Tokyo"' in body

    def test_dates_may_wait_in_a_draft(self, organizer_client):
        response = organizer_client.post(reverse("events:new"), details(starts_at="", ends_at=""))
        assert response.status_code == 302
        assert Event.objects.get().starts_at is None

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"name": ""}, "name"),
            ({"ends_at": f"{NEXT_YEAR}-05-01T10:00"}, "ends_at"),
            ({"timezone": "Mars/Olympus"}, "timezone"),
            ({"currency": "XXX"}, "currency"),
            ({"starts_at": "tomorrow-ish"}, "starts_at"),
        ],
    )
    def test_bad_input_is_a_form_error_and_saves_nothing(self, organizer_client, fields, field):
        response = organizer_client.post(reverse("events:new"), details(**fields))
        assert response.status_code == 200
        assert field in response.context["form"].errors or response.context["form"].non_field_errors()
        assert not Event.objects.exists()


class TestDetails:
    def test_shows_times_in_the_events_time_zone(self, organizer_client, make_event, organizer):
        starts = datetime(NEXT_YEAR, 1, 10, 9, 0, tzinfo=BERLIN)
        event = make_event(organizer, starts_at=starts, ends_at=starts + timedelta(days=1), timezone="Europe/Berlin")
        response = organizer_client.get(step("details", event))
        assert response.status_code == 200
        assert f'value="{NEXT_YEAR}-01-10T09:00"' in response.content.decode()
        assert f'data-upload-url="{reverse("events:bgimage", args=[event.pk])}"' in response.content.decode()

    def test_saving_updates_and_goes_to_tickets(self, organizer_client, event):
        response = organizer_client.post(step("details", event), details(name="Renamed", timezone="America/New_York"))
        assert response.status_code == 302
        assert response["Location"] == step("tickets", event)
        event.refresh_from_db()
        assert event.name == "Renamed"
        assert event.starts_at == datetime(NEXT_YEAR, 6, 1, 9, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))

    def test_bad_input_changes_nothing(self, organizer_client, event):
        before = Event.objects.values().get(pk=event.pk)
        response = organizer_client.post(step("details", event), details(name="", ends_at=f"{NEXT_YEAR}-01-01T00:00"))
        assert response.status_code == 200
        assert Event.objects.values().get(pk=event.pk) == before
        assert response.context["event"].name == event.name  # the page header is not the rejected input


class TestTickets:
    def test_empty_page(self, organizer_client, event):
        response = organizer_client.get(step("tickets", event))
        assert response.status_code == 200
        body = response.content.decode()
        assert 'name="tickets-TOTAL_FORMS" value="0"' in body
        assert "tickets-__prefix__-name" in body  # the template the script clones

    def test_continue_saves_and_goes_to_publish(self, organizer_client, event):
        response = organizer_client.post(step("tickets", event), formset_data([free(), paid(), donation()]))
        assert response.status_code == 302
        assert response["Location"] == step("publish", event)
        assert event.tickets.count() == 3

    def test_back_saves_too(self, organizer_client, event):
        response = organizer_client.post(step("tickets", event), {**formset_data([free()]), "go": "back"})
        assert response["Location"] == step("details", event)
        assert event.tickets.count() == 1

    def test_shows_stored_tickets(self, organizer_client, event):
        save(event, [free("Community"), paid("Regular")])
        body = organizer_client.get(step("tickets", event)).content.decode()
        assert 'value="Community"' in body
        assert 'value="Regular"' in body
        assert 'name="tickets-INITIAL_FORMS" value="2"' in body

    def test_errors_show_in_the_right_row_and_nothing_is_saved(self, organizer_client, event):
        response = organizer_client.post(
            step("tickets", event), formset_data([free(), paid("Regular", price=""), donation()])
        )
        assert response.status_code == 200
        formset = response.context["formset"]
        assert [bool(form.errors) for form in formset.forms] == [False, True, False]
        assert "price" in formset.forms[1].errors
        assert "Enter the price of a paid ticket." in response.content.decode()
        assert not event.tickets.exists()

    def test_sales_times_are_read_in_the_events_time_zone(self, organizer_client, event):
        starts = event.starts_at.astimezone(BERLIN) - timedelta(days=7)
        local = starts.strftime("%Y-%m-%dT%H:%M")
        organizer_client.post(step("tickets", event), formset_data([free(sales_starts_at=local)]))
        assert event.tickets.get().sales_starts_at == starts.replace(second=0, microsecond=0)
        body = organizer_client.get(step("tickets", event)).content.decode()
        assert f'value="{local}"' in body

    def test_hidden_and_removed_rows_keep_their_state_on_errors(self, organizer_client, event):
        save(event, [free("A"), free("B")])
        rows = stored_rows(event)
        rows[0]["DELETE"] = True
        response = organizer_client.post(step("tickets", event), formset_data([*rows, paid("C", price="")], initial=2))
        assert response.status_code == 200
        body = response.content.decode()
        assert "will be removed when you save" in body
        assert event.tickets.count() == 2


class TestPublish:
    def test_review_lists_the_problems(self, organizer_client, make_event, organizer):
        event = make_event(organizer, starts_at=None, ends_at=None)
        response = organizer_client.get(step("publish", event))
        assert response.status_code == 200
        assert response.context["problems"] == ["Set when the event starts and ends.", "Add at least one ticket."]

    def test_incomplete_event_is_not_published(self, organizer_client, event):
        response = organizer_client.post(step("publish", event))
        assert response.status_code == 200
        assert "Add at least one ticket." in response.content.decode()
        event.refresh_from_db()
        assert event.state == Event.State.DRAFT

    def test_publish(self, organizer_client, event, client):
        save(event, [free("Open"), paid("Secret", hidden=True), donation("Later")])
        Ticket.objects.filter(name="Later").update(sales_starts_at=timezone.now() + timedelta(days=1))
        before = event.event_ver
        response = organizer_client.post(step("publish", event))
        assert response.status_code == 302
        assert response["Location"] == event.get_absolute_url()
        event.refresh_from_db()
        assert event.state == Event.State.PUBLISHED
        assert event.event_ver > before
        client.logout()
        public = client.get(event.get_absolute_url())
        assert public.status_code == 200
        # Its tickets on sale, on the public home (the order form orders adds to it).
        assert re.findall(r'data-ticket-name="([^"]*)"', public.content.decode()) == ["Open"]

    def test_publishing_twice_changes_nothing(self, organizer_client, event):
        save(event, [free()])
        services.publish_event(event)
        version = Event.objects.get(pk=event.pk).event_ver
        services.publish_event(event)
        assert Event.objects.get(pk=event.pk).event_ver == version


class TestPublishRules:
    def complete(self, event):
        save(event, [free()])
        return event

    def test_complete(self, event):
        assert services.publish_problems(self.complete(event)) == []

    def test_needs_dates(self, event):
        self.complete(event)
        services.update_event(event, starts_at=None, ends_at=None)
        assert services.publish_problems(event) == ["Set when the event starts and ends."]

    def test_not_over_already(self, event):
        self.complete(event)
        past = timezone.now() - timedelta(days=3)
        services.update_event(event, starts_at=past, ends_at=past + timedelta(days=1))
        assert services.publish_problems(event) == ["The event has already ended: set its dates in the future."]

    def test_needs_a_ticket(self, event):
        assert services.publish_problems(event) == ["Add at least one ticket."]

    def test_ticket_sales_within_the_event_as_it_now_is(self, event):
        save(event, [free("Early", sales_ends_at=(event.ends_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))])
        services.update_event(event, ends_at=event.ends_at - timedelta(days=1))
        assert services.publish_problems(event) == ["The sales of “Early” end after the event ends."]
        with pytest.raises(ValidationError) as excinfo:
            services.publish_event(event)
        assert excinfo.value.messages == ["The sales of “Early” end after the event ends."]
        assert Event.objects.get(pk=event.pk).state == Event.State.DRAFT


PAGES = ["details", "tickets", "publish"]


class TestAccess:
    @pytest.mark.parametrize("page", PAGES)
    def test_anonymous_goes_to_log_in(self, client, event, page):
        response = client.get(step(page, event))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("page", PAGES)
    # Without a role the draft is not there at all (404); the admin reads it (read-only
    # pages) but may not change it.
    @pytest.mark.parametrize(
        ("who", "reads", "writes"), [("user", 404, 404), ("admin_user", 200, 403), ("super_admin", 200, 200)]
    )
    def test_update_permission_needed(self, client, request, event, page, who, reads, writes):
        client.force_login(request.getfixturevalue(who))
        assert client.get(step(page, event)).status_code == reads
        assert client.post(step(page, event), {}).status_code in ((200, 302) if writes == 200 else (writes,))

    @pytest.mark.parametrize("page", PAGES)
    @pytest.mark.parametrize("role", ["coorganizer", "track_organizer", "moderator"])
    def test_every_role_reads_the_pages(self, client, user_with_role, event, page, role):
        client.force_login(user_with_role(event, role))
        assert client.get(step(page, event)).status_code == 200

    @pytest.mark.parametrize("page", PAGES)
    def test_missing_event(self, organizer_client, page):
        assert organizer_client.get(reverse(STEP_URLS[page], args=[999999])).status_code == 404

    def test_forbidden_post_changes_nothing(self, client, user, event):
        client.force_login(user)
        client.post(step("tickets", event), formset_data([free()]))
        client.post(step("details", event), details(name="Hijacked"))
        client.post(step("publish", event))
        event.refresh_from_db()
        assert (event.name, event.state, event.tickets.count()) == ("PyCon Test", Event.State.DRAFT, 0)


class TestMyEvents:
    def test_new_button_and_continue_or_edit(self, organizer_client, make_event, organizer):
        draft = make_event(organizer, name="Draft one")
        published = make_event(organizer, name="Live one", state="published")
        body = organizer_client.get(reverse("events:mine")).content.decode()
        assert f'href="{reverse("events:new")}"' in body
        assert f'href="{step("details", draft)}" data-action="wizard">Continue<' in body
        # A published event's details are edited in one place: the dashboard's Settings.
        assert f'href="{reverse("events:settings", args=[published.pk])}" data-action="settings">Edit<' in body
        assert step("details", published) not in body
