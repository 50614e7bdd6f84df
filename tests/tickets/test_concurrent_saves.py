"""Concurrent writes of one event's tickets: real threads, each with its own database
connection, on SQLite (every transaction takes the write lock when it begins) as on
PostgreSQL (the event's row is locked first: ``tickets.services.lock_event``).

Each client has read and validated the tickets before any of them saves (a barrier holds
them just before the service is called), so every run is the race the review found:
exactly one save wins, every other one is told that someone else changed the tickets
(409), and never a 500, a published event without a ticket, or a success reported for a
ticket that was gone.
"""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

import tickets.api
import tickets.views
from events.models import Event
from tests.tickets.formsets import formset_data, stored_rows
from tickets.models import Ticket
from tickets.services import CONCURRENT_CHANGE

pytestmark = pytest.mark.django_db(transaction=True)


def hold_at(monkeypatch, module, name, parties):
    """Make every caller of ``module.name`` wait until ``parties`` callers are there."""
    barrier = threading.Barrier(parties, timeout=60)
    real = getattr(module, name)

    def held(*args, **kwargs):
        barrier.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, held)


def run_at_once(calls):
    """Run each call in its own thread (its own database connection); their results."""
    results = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def wizard_client(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def post_tickets(event, user, rows):
    client = wizard_client(user)
    url = reverse("tickets:wizard", args=[event.pk])
    data = formset_data(rows, initial=sum(1 for row in rows if row.get("id")))
    return lambda: client.post(url, data)


def check_losers(responses):
    """Every save but the winner: 409, the tickets page with the message, never a 500."""
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {302, 409}, statuses
    assert statuses[302] == 1, statuses
    for response in responses:
        if response.status_code == 409:
            assert CONCURRENT_CHANGE in response.content.decode().replace("&#x27;", "'")
    return next(index for index, response in enumerate(responses) if response.status_code == 302)


def make_tickets(event, names):
    return [
        Ticket.objects.create(event=event, type="free", name=name, quantity=10, position=n)
        for n, name in enumerate(names)
    ]


def test_ten_saves_each_deleting_a_different_ticket(monkeypatch, make_event, organizer):
    event = make_event(organizer)
    made = make_tickets(event, [f"Ticket {n}" for n in range(10)])
    calls = []
    for n in range(10):
        rows = stored_rows(event)
        rows[n]["DELETE"] = True
        calls.append(post_tickets(event, organizer, rows))
    hold_at(monkeypatch, tickets.views, "save_tickets", len(calls))

    winner = check_losers(run_at_once(calls))

    assert sorted(event.tickets.values_list("pk", flat=True)) == [t.pk for n, t in enumerate(made) if n != winner]


@pytest.mark.parametrize("rounds", [3])
def test_two_saves_each_deleting_the_others_ticket_of_a_published_event(monkeypatch, make_event, organizer, rounds):
    for _ in range(rounds):
        event = make_event(organizer)
        first, second = make_tickets(event, ["First", "Second"])
        Event.objects.filter(pk=event.pk).update(state=Event.State.PUBLISHED)
        event.refresh_from_db()
        calls = []
        for deleted in (0, 1):
            rows = stored_rows(event)
            rows[deleted]["DELETE"] = True
            calls.append(post_tickets(event, organizer, rows))
        with monkeypatch.context() as patch:
            hold_at(patch, tickets.views, "save_tickets", 2)
            winner = check_losers(run_at_once(calls))

        assert list(event.tickets.values_list("pk", flat=True)) == [second.pk if winner == 0 else first.pk]


def test_five_updates_and_five_deletes_of_one_ticket(monkeypatch, make_event, organizer):
    event = make_event(organizer)
    target, other = make_tickets(event, ["Target", "Other"])
    calls = []
    for n in range(10):
        rows = stored_rows(event)
        if n % 2:
            rows[0]["DELETE"] = True
        else:
            rows[0]["quantity"] = 100 + n
        calls.append(post_tickets(event, organizer, rows))
    hold_at(monkeypatch, tickets.views, "save_tickets", len(calls))

    winner = check_losers(run_at_once(calls))

    remaining = {t.pk: t for t in event.tickets.all()}
    if winner % 2:  # deleted: the other ticket moved up, once
        assert target.pk not in remaining
        assert (remaining[other.pk].position, remaining[other.pk].version) == (0, other.version + 1)
    else:  # changed, once
        assert remaining[target.pk].quantity == 100 + winner
        assert remaining[target.pk].version == target.version + 1
        assert remaining[other.pk].version == other.version


def test_api_five_changes_and_five_deletions_of_one_ticket(monkeypatch, make_event, organizer):
    """The API reads the ticket in the write's transaction, the event's row locked first:
    a change or deletion after the deletion finds no ticket (404), never a success."""
    event = make_event(organizer)
    target, other = make_tickets(event, ["Target", "Other"])
    Event.objects.filter(pk=event.pk).update(state=Event.State.PUBLISHED)
    url = reverse("api:ticket-detail", args=[event.pk, target.pk])

    def client():
        api = APIClient(raise_request_exception=False)
        api.force_authenticate(organizer)
        return api

    def change(n):
        api = client()
        return lambda: api.patch(url, {"quantity": 100 + n}, format="json")

    def delete():
        api = client()
        return lambda: api.delete(url)

    calls = [change(n) if n % 2 == 0 else delete() for n in range(10)]
    hold_at(monkeypatch, tickets.api.TicketViewSet, "initial", len(calls))

    answers = run_at_once(calls)

    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {200, 204, 404}, statuses
    assert statuses[204] == 1
    stored = Ticket.objects.filter(pk=target.pk).first()
    assert stored is None
    assert Ticket.objects.filter(pk=other.pk).exists()
    assert Event.objects.get(pk=event.pk).tickets_ver == 1 + 2 + statuses[200] + 1


def test_the_api_deletes_a_ticket_the_wizards_save_keeps(monkeypatch, make_event, organizer):
    """A published event with two tickets: the wizard's save (deleting the first, keeping the
    second) has read and checked the tickets when the API deletes the second. The save must
    not go on as if the second were still there: 409, and the event keeps its ticket."""
    event = make_event(organizer)
    first, second = make_tickets(event, ["First", "Second"])
    Event.objects.filter(pk=event.pk).update(state=Event.State.PUBLISHED)
    event.refresh_from_db()
    rows = stored_rows(event)
    rows[0]["DELETE"] = True
    wizard = post_tickets(event, organizer, rows)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(organizer)
    url = reverse("api:ticket-detail", args=[event.pk, second.pk])
    validated, deleted = threading.Event(), threading.Event()
    real_save = tickets.views.save_tickets

    def save_tickets(*args, **kwargs):
        validated.set()
        assert deleted.wait(60)
        return real_save(*args, **kwargs)

    def delete_by_api():
        assert validated.wait(60)
        try:
            return api.delete(url)
        finally:
            deleted.set()

    monkeypatch.setattr(tickets.views, "save_tickets", save_tickets)

    by_wizard, by_api = run_at_once([wizard, delete_by_api])

    assert by_api.status_code == 204
    assert by_wizard.status_code == 409
    assert CONCURRENT_CHANGE in by_wizard.content.decode().replace("&#x27;", "'")
    assert list(event.tickets.values_list("pk", flat=True)) == [first.pk]
