"""One conflict type, one answer: a write another writer came first to is a
``core.errors.Conflict`` (``tickets.services.ConcurrentChange`` is one), answered 409 by
the API (``core.api.errors``) and by the pages (``core.views.refusal_status`` for a form
shown again, ``core.middleware.ConflictMiddleware`` for a conflict no view caught); never
a 400 as the input's fault, never a 500. Here the other writer changes the stored row
between the request reading it and the service writing it."""

from django.test import Client
from django.urls import reverse

import tickets.api
import tickets.views
from core.errors import Conflict
from events import models as event_models
from events.models import Event
from tests.events.pages import details
from tests.tickets.formsets import formset_data, stored_rows
from tickets.models import Ticket
from tickets.services import CONCURRENT_CHANGE, ConcurrentChange


def another_writer_first(monkeypatch, module, name, ticket):
    """Before ``module.name`` (the service the view calls) runs, another writer changes
    ``ticket`` (its ``version`` moves on, as any save's does)."""
    real = getattr(module, name)

    def changed_meanwhile(*args, **kwargs):
        stored = Ticket.objects.get(pk=ticket.pk)
        stored.description = "Changed by someone else"
        stored.save()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, changed_meanwhile)


def test_a_concurrent_change_is_a_conflict_not_an_invalid_input():
    assert issubclass(ConcurrentChange, Conflict)
    assert ConcurrentChange().message == CONCURRENT_CHANGE


def test_the_api_answers_a_ticket_changed_meanwhile_409(monkeypatch, as_organizer, event):
    ticket = Ticket.objects.create(event=event, type="free", name="Community", quantity=10)
    another_writer_first(monkeypatch, tickets.api, "save_ticket", ticket)

    answer = as_organizer.patch(f"/api/v1/events/{event.pk}/tickets/{ticket.pk}/", {"quantity": 99}, format="json")

    assert answer.status_code == 409, answer.content
    assert answer.json()["detail"] == CONCURRENT_CHANGE
    assert Ticket.objects.get(pk=ticket.pk).quantity == 10


def test_the_wizard_answers_a_ticket_changed_meanwhile_409_with_the_rows(monkeypatch, organizer_client, event):
    ticket = Ticket.objects.create(event=event, type="free", name="Community", quantity=10)
    another_writer_first(monkeypatch, tickets.views, "save_tickets", ticket)
    rows = stored_rows(event)
    rows[0]["quantity"] = 99

    response = organizer_client.post(reverse("tickets:wizard", args=[event.pk]), formset_data(rows, initial=1))

    assert response.status_code == 409
    page = response.content.decode().replace("&#x27;", "'")
    assert CONCURRENT_CHANGE in page
    assert 'value="99"' in page  # the rows as sent, to check and save again
    assert Ticket.objects.get(pk=ticket.pk).quantity == 10


def test_a_conflict_no_page_caught_is_a_409_page(monkeypatch, organizer, event):
    """The wizard's first page checked the slug free; another writer took it before the
    insert (``events.services`` says ``Conflict``): the 409 page, not a 500."""
    monkeypatch.setattr(event_models, "unique_slug", lambda name: event.slug)
    monkeypatch.setattr(Event, "validate_unique", lambda self, exclude=None: None)
    client = Client(raise_request_exception=False)
    client.force_login(organizer)

    response = client.post(reverse("events:new"), details(name="Another"))

    assert response.status_code == 409
    assert b'data-testid="error-409"' in response.content
    assert b"at the same time" in response.content
    assert Event.objects.count() == 1
