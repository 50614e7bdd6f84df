"""The wizard's tickets page asks the role for each change the save makes, as
``tickets.services.save_tickets`` finds them holding the event's lock (``may``): a role
that may delete tickets but not update them (the matrix's ``ticket`` row) deletes a row
(the rows after it renumbered as part of that), but a changed value, even one sent for a
field the page shows read-only, or another order of the stored rows is an update: 403,
nothing saved. A page sent back unchanged writes nothing."""

import pytest
from django.urls import reverse

from permissions.services import set_permission_matrix
from tests.factories import TicketFactory
from tests.tickets.formsets import formset_data, stored_rows
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def deleter(client, event, user_with_role):
    """A Moderator whose ticket row is read and delete (no create, no update)."""
    set_permission_matrix({("moderator", "ticket"): {"read", "delete"}})
    client.force_login(user_with_role(event, "moderator"))
    for position, name in enumerate(["First", "Second", "Third"]):
        TicketFactory(event=event, name=name, position=position)
    return client


def stored(event):
    return list(Ticket.objects.filter(event=event).order_by("position").values_list("name", "position", "version"))


def post(client, event, rows):
    return client.post(reverse("tickets:wizard", args=[event.pk]), formset_data(rows, initial=len(rows)))


def test_deleting_a_row_renumbers_the_others(deleter, event):
    rows = stored_rows(event)
    rows[0]["DELETE"] = True
    response = post(deleter, event, rows)
    assert response.status_code == 302
    assert [(name, position) for name, position, _ in stored(event)] == [("Second", 0), ("Third", 1)]


@pytest.mark.parametrize(("field", "value"), [("name", "Renamed"), ("quantity", 70), ("hidden", True)])
def test_a_value_sent_for_a_read_only_field_is_an_update_refused(deleter, event, field, value):
    before = stored(event)
    rows = stored_rows(event)
    rows[1][field] = value
    rows[0]["DELETE"] = True
    response = post(deleter, event, rows)
    assert response.status_code == 403
    assert stored(event) == before


def test_another_order_is_an_update_refused(deleter, event):
    before = stored(event)
    rows = stored_rows(event)
    response = post(deleter, event, [rows[1], rows[0], rows[2]])
    assert response.status_code == 403
    assert stored(event) == before


def test_the_page_sent_back_as_a_browser_sends_it_writes_nothing(deleter, event):
    """Disabled inputs are not sent: only the rows' ids are."""
    before = stored(event)
    rows = [{"id": row["id"]} for row in stored_rows(event)]
    response = post(deleter, event, rows)
    assert response.status_code == 302
    assert stored(event) == before
