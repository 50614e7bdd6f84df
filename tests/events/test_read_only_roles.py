"""Issue 13: a Moderator or a Track Organizer reads the event and its tickets but may not
change them (the matrix's ``event`` and ``ticket`` rows, seeded read-only for them).

Their refused writes to the event (settings, details, publish, unpublish, delete), its
banner (POST, DELETE) and its tickets (the wizard, the API) answer 403 and change nothing:
the stored rows and the media files are compared before and after. Their pages are
read-only: no form, button or upload control that would fail.
"""

import re

import pytest
from django.urls import reverse

from events import services
from events.models import Event
from tests.factories import TicketFactory
from tests.images import data_url, image_bytes, stored_files
from tests.tickets.formsets import formset_data, free, stored_rows
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

READ_ONLY = ["moderator", "track_organizer"]


@pytest.fixture
def published(make_event, organizer):
    """A published event with a ticket and a banner."""
    event = make_event(organizer, name="Live", state=Event.State.PUBLISHED)
    TicketFactory(event=event, name="Regular")
    TicketFactory(event=event, name="Student")
    services.set_background_image(event, image_bytes())
    return Event.objects.get(pk=event.pk)


@pytest.fixture
def draft(make_event, organizer):
    """A complete draft (it could be published) with a ticket and a banner."""
    event = make_event(organizer, name="Draft")
    TicketFactory(event=event, name="Regular")
    services.set_background_image(event, image_bytes())
    assert services.publish_problems(event) == []
    return Event.objects.get(pk=event.pk)


def stored(event, settings):
    """Everything a write could change: the event's row, its tickets and the media files."""
    return (
        list(Event.objects.filter(pk=event.pk).values()),
        list(Ticket.objects.filter(event=event).order_by("pk").values()),
        stored_files(),
    )


def details(event, **overrides):
    local = "%Y-%m-%dT%H:%M"
    return {
        "name": "Taken over",
        "description": event.description,
        "location": "Elsewhere",
        "starts_at": event.starts_at.astimezone(event.tzinfo).strftime(local),
        "ends_at": event.ends_at.astimezone(event.tzinfo).strftime(local),
        "timezone": event.timezone,
        "currency": event.currency,
        **overrides,
    }


@pytest.mark.parametrize("role", READ_ONLY)
@pytest.mark.parametrize("which", ["published", "draft"])
def test_refused_writes_change_nothing(client, api_client, user_with_role, settings, request, role, which):
    event = request.getfixturevalue(which)
    person = user_with_role(event, role)
    client.force_login(person)
    api = api_client(person)
    ticket = event.tickets.first()
    before = stored(event, settings)

    rows = stored_rows(event)
    rows[0]["name"] = "Free for all"
    answers = {
        "settings": client.post(reverse("events:settings", args=[event.pk]), details(event)),
        "wizard details": client.post(reverse("events:wizard-details", args=[event.pk]), details(event)),
        "publish": client.post(reverse("events:wizard-publish", args=[event.pk])),
        "delete page": client.get(reverse("events:delete", args=[event.pk])),
        "delete": client.post(reverse("events:delete", args=[event.pk]), {"confirm_name": event.name}),
        "banner upload": client.post(
            reverse("events:bgimage", args=[event.pk]), {"bgimage": data_url(image_bytes("PNG", size=(80, 40)))}
        ),
        "banner removal": client.delete(reverse("events:bgimage", args=[event.pk])),
        "wizard: change a ticket": client.post(
            reverse("tickets:wizard", args=[event.pk]), formset_data(rows, initial=len(rows))
        ),
        "wizard: add a ticket": client.post(
            reverse("tickets:wizard", args=[event.pk]),
            formset_data([*stored_rows(event), free(name="Extra")], initial=len(rows)),
        ),
        "wizard: delete a ticket": client.post(
            reverse("tickets:wizard", args=[event.pk]),
            formset_data([{**stored_rows(event)[0], "DELETE": True}], initial=1),
        ),
        "API: rename": api.patch(reverse("api:event-detail", args=[event.pk]), {"name": "X"}, format="json"),
        "API: (un)publish": api.patch(
            reverse("api:event-detail", args=[event.pk]),
            {"state": "draft" if which == "published" else "published"},
            format="json",
        ),
        "API: delete": api.delete(reverse("api:event-detail", args=[event.pk])),
        "API: create a ticket": api.post(
            reverse("api:ticket-list", args=[event.pk]), {"type": "free", "name": "API", "quantity": 5}, format="json"
        ),
        "API: change a ticket": api.patch(
            reverse("api:ticket-detail", args=[event.pk, ticket.pk]), {"price": None, "name": "Y"}, format="json"
        ),
        "API: delete a ticket": api.delete(reverse("api:ticket-detail", args=[event.pk, ticket.pk])),
    }
    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(answers, 403)
    assert answers["banner upload"].json()["status"] == "error"  # JSON, as the page's script expects
    assert stored(event, settings) == before


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_pages_offer_nothing_that_would_fail(client, user_with_role, published, role):
    event = published
    client.force_login(user_with_role(event, role))

    def page(name, *args):
        response = client.get(reverse(name, args=[event.pk, *args]))
        assert response.status_code == 200, name
        return main(response.content.decode())

    settings_page = page("events:settings")
    assert 'data-testid="settings-read-only"' in settings_page
    assert 'data-testid="settings-form"' not in settings_page
    assert 'method="post"' not in settings_page.split('data-testid="dashboard-nav"')[1]
    assert 'type="submit"' not in settings_page
    assert reverse("events:delete", args=[event.pk]) not in settings_page
    assert all(" disabled" in tag for tag in _inputs(settings_page))

    overview = page("events:dashboard")
    assert reverse("events:delete", args=[event.pk]) not in overview

    details_page = page("events:wizard-details")
    assert 'data-testid="details-read-only"' in details_page
    assert 'data-testid="details-form"' not in details_page
    assert "data-upload-url" not in details_page  # the banner's script stays off
    assert 'data-testid="bgimage-input"' not in details_page
    assert 'data-testid="bgimage-remove"' not in details_page
    assert 'data-testid="bgimage-preview"' in details_page  # the banner still shows

    tickets_page = page("tickets:wizard")
    assert 'data-testid="tickets-read-only"' in tickets_page
    for control in ("add-free", "add-paid", "add-donation", "ticket-remove", "ticket-confirm-yes"):
        assert f'data-testid="{control}"' not in tickets_page
    assert "data-ticket-template" not in tickets_page
    assert 'type="submit"' not in tickets_page
    assert "Regular" in tickets_page
    assert "Student" in tickets_page
    assert all(" disabled" in tag for tag in _inputs(tickets_page, skip_hidden=True))

    publish_page = page("events:wizard-publish")
    assert 'data-testid="publish-read-only"' in publish_page
    assert 'data-testid="publish"' not in publish_page
    assert 'type="submit"' not in publish_page


def test_the_coorganizer_changes_the_event_and_tickets_but_does_not_add_or_delete(client, user_with_role, published):
    """Co-organizer: event read and update, tickets read and update (seeded): the pages
    offer that, and only that."""
    event = published
    client.force_login(user_with_role(event, "coorganizer"))
    settings_page = client.get(reverse("events:settings", args=[event.pk])).content.decode()
    assert 'data-testid="settings-form"' in settings_page
    assert reverse("events:delete", args=[event.pk]) not in settings_page
    tickets_page = client.get(reverse("tickets:wizard", args=[event.pk])).content.decode()
    assert 'data-testid="wizard-next"' in tickets_page
    assert 'type="submit"' in tickets_page
    assert "add-free" not in tickets_page
    assert 'data-testid="ticket-remove"' not in tickets_page
    rows = stored_rows(event)
    rows[0]["name"] = "Renamed by the co-organizer"
    answer = client.post(reverse("tickets:wizard", args=[event.pk]), formset_data(rows, initial=len(rows)))
    assert answer.status_code == 302
    assert Ticket.objects.filter(event=event, name="Renamed by the co-organizer").exists()


def main(html):
    """The page's own content, without the navbar (whose notification forms every page has)."""
    assert "<main" in html
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _inputs(content, skip_hidden=False):
    """The <input>, <select> and <textarea> tags of ``content``, except CSRF and formset bookkeeping."""
    tags = re.findall(r"<(?:input|select|textarea)\b[^>]*>", content)
    kept = []
    for tag in tags:
        if "csrfmiddlewaretoken" in tag or "FORMS" in tag:
            continue
        if skip_hidden and 'type="hidden"' in tag:
            continue
        kept.append(tag)
    assert kept, "the page shows the fields"
    return kept
