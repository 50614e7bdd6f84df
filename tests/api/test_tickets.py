"""``/api/v1/events/<id>/tickets/``: the public reads what the public page lists, the team
reads everything, whoever may update the event writes, by the wizard's rules."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from tests.factories import TicketFactory
from tickets.models import Ticket
from tickets.services import DUPLICATE_NAME, LAST_TICKET, MAX_TICKETS, TOO_MANY_TICKETS


@pytest.fixture
def published(event, schedule):
    event.state = Event.State.PUBLISHED
    event.save()
    return event


def names(answer):
    assert answer.status_code == 200, answer.content
    return [t["name"] for t in answer.json()["results"]]


def test_the_public_reads_a_published_events_tickets_on_sale(published, schedule, api_client, make_user):
    now = timezone.now()
    TicketFactory(event=published, name="Later", quantity=5, sales_starts_at=now + timedelta(days=1))
    TicketFactory(event=published, name="Over", quantity=5, sales_ends_at=now - timedelta(minutes=1))
    url = reverse("api:ticket-list", args=[published.pk])
    for client in (api_client(), api_client(make_user())):
        assert names(client.get(url)) == ["Community"]
        assert client.get(reverse("api:ticket-detail", args=[published.pk, schedule.ticket.pk])).status_code == 200
        hidden = reverse("api:ticket-detail", args=[published.pk, schedule.hidden_ticket.pk])
        assert client.get(hidden).status_code == 404


def test_the_team_and_admins_read_every_ticket(published, api_client, organizer, user_with_role, make_user):
    url = reverse("api:ticket-list", args=[published.pk])
    for person in (organizer, user_with_role(published, "moderator"), make_user(is_admin=True)):
        assert names(api_client(person).get(url)) == ["Community", "Patron"]


def test_a_drafts_tickets_are_404_to_the_public(event, schedule, api_client, make_user, as_organizer):
    url = reverse("api:ticket-list", args=[event.pk])
    assert api_client().get(url).status_code == 404
    assert api_client(make_user()).get(url).status_code == 404
    assert names(as_organizer.get(url)) == ["Community", "Patron"]


def test_who_may_write_tickets(published, schedule, api_client, make_user, user_with_role):
    url = reverse("api:ticket-list", args=[published.pk])
    body = {"type": "free", "name": "New", "quantity": 20}
    assert api_client().post(url, body, format="json").status_code == 401
    assert api_client(make_user()).post(url, body, format="json").status_code == 403
    assert api_client(make_user(is_admin=True)).post(url, body, format="json").status_code == 403
    # The matrix's "ticket" row (issue 13): a Co-organizer reads and updates, the Organizer also creates.
    assert api_client(user_with_role(published, "coorganizer")).post(url, body, format="json").status_code == 403
    answer = api_client(user_with_role(published, "organizer")).post(url, body, format="json")
    assert answer.status_code == 201
    assert answer.json()["max_order"] == 10
    assert answer.json()["position"] == 1  # after the others


def test_a_blank_maximum_follows_a_small_quantity_as_in_the_wizard(event, as_organizer):
    answer = as_organizer.post(
        reverse("api:ticket-list", args=[event.pk]), {"type": "free", "name": "Few", "quantity": 3}, format="json"
    )
    assert answer.status_code == 201
    assert answer.json()["max_order"] == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "paid"}, "price"),
        ({"type": "paid", "price": "0.00"}, "price"),
        ({"type": "free", "price": "5.00"}, "price"),
        ({"type": "donation", "price": "5.00"}, "price"),
        ({"quantity": 0}, "quantity"),
        ({"min_order": 5, "max_order": 2}, "max_order"),
        ({"quantity": 5, "max_order": 6}, "max_order"),
        ({"quantity": 5, "min_order": 6, "max_order": 6}, "min_order"),
        ({"name": ""}, "name"),
        ({"name": "community"}, "name"),  # the stored "Community", ignoring case
        ({"type": "vip"}, "type"),
        ({"price": "NaN", "type": "paid"}, "price"),
        ({"price": "123456789012.00", "type": "paid"}, "price"),
    ],
)
def test_the_wizards_rules_refuse_bad_tickets(body, field, event, schedule, as_organizer):
    data = {"type": "free", "name": "New", "quantity": 10, **body}
    answer = as_organizer.post(reverse("api:ticket-list", args=[event.pk]), data, format="json")
    assert answer.status_code == 400
    assert field in answer.json(), answer.json()
    assert Ticket.objects.filter(event=event).count() == 2


def test_a_duplicate_name_gets_the_wizards_message(event, schedule, as_organizer):
    url = reverse("api:ticket-detail", args=[event.pk, schedule.hidden_ticket.pk])
    answer = as_organizer.patch(url, {"name": "COMMUNITY"}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"name": [DUPLICATE_NAME]}
    # Its own name in another case is no duplicate.
    assert as_organizer.patch(url, {"name": "PATRON"}, format="json").status_code == 200


def test_sales_windows_follow_the_event(event, as_organizer):
    url = reverse("api:ticket-list", args=[event.pk])
    base = {"type": "free", "name": "Window", "quantity": 10}
    start = event.starts_at - timedelta(days=5)
    cases = [
        ({"sales_starts_at": start, "sales_ends_at": start}, "sales_ends_at"),
        ({"sales_ends_at": event.ends_at + timedelta(hours=1)}, "sales_ends_at"),
        ({"sales_starts_at": event.ends_at}, "sales_starts_at"),
    ]
    for window, field in cases:
        answer = as_organizer.post(url, {**base, **{k: v.isoformat() for k, v in window.items()}}, format="json")
        assert answer.status_code == 400
        assert field in answer.json()
    ok = {"sales_starts_at": start.isoformat(), "sales_ends_at": event.starts_at.isoformat()}
    assert as_organizer.post(url, {**base, **ok}, format="json").status_code == 201


def test_a_paid_ticket_and_a_change_of_type(event, as_organizer):
    url = reverse("api:ticket-list", args=[event.pk])
    answer = as_organizer.post(url, {"type": "paid", "name": "Full", "price": "120.50", "quantity": 50}, format="json")
    assert answer.status_code == 201
    assert answer.json()["price"] == "120.50"
    detail = reverse("api:ticket-detail", args=[event.pk, answer.json()["id"]])
    assert as_organizer.patch(detail, {"type": "free"}, format="json").status_code == 400
    changed = as_organizer.patch(detail, {"type": "free", "price": None}, format="json")
    assert changed.status_code == 200
    assert Ticket.objects.get(pk=answer.json()["id"]).price is None
    assert Ticket.objects.get(pk=answer.json()["id"]).type == "free"


def test_a_published_event_keeps_its_last_ticket(published, schedule, as_organizer):
    first = reverse("api:ticket-detail", args=[published.pk, schedule.ticket.pk])
    last = reverse("api:ticket-detail", args=[published.pk, schedule.hidden_ticket.pk])
    assert as_organizer.delete(first).status_code == 204
    answer = as_organizer.delete(last)
    assert answer.status_code == 400
    assert answer.json() == {"non_field_errors": [LAST_TICKET]}
    assert Ticket.objects.filter(pk=schedule.hidden_ticket.pk).exists()


def test_an_event_has_at_most_max_tickets_through_the_api_too(event, as_organizer):
    Ticket.objects.bulk_create(
        [Ticket(event=event, type="free", name=f"Ticket {n}", quantity=10, position=n) for n in range(MAX_TICKETS)]
    )
    url = reverse("api:ticket-list", args=[event.pk])
    answer = as_organizer.post(url, {"name": "One too many", "type": "free", "quantity": 10}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"non_field_errors": [TOO_MANY_TICKETS]}
    assert event.tickets.count() == MAX_TICKETS
    # Changing one of them is still fine.
    first = event.tickets.get(name="Ticket 0")
    changed = as_organizer.patch(
        reverse("api:ticket-detail", args=[event.pk, first.pk]), {"quantity": 20}, format="json"
    )
    assert changed.status_code == 200
