"""The wizard's ticket rows (templates/tickets/_ticket_row.html): a ticket hidden
from the public page says "Hidden" beside its type, its settings folded, for those who
change tickets and for a role that may only read them."""

import pytest
from django.urls import reverse

from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def hidden_labels(html):
    """The rows' "Hidden" labels in order: True where shown."""
    labels = html.split('data-testid="ticket-hidden-label"')[1:]
    return [not chunk.split(">", 1)[0].rstrip().endswith("hidden") for chunk in labels]


@pytest.fixture
def tickets(event):
    Ticket.objects.create(event=event, name="Community", type="free", quantity=10, position=0)
    Ticket.objects.create(event=event, name="Supporter", type="donation", quantity=5, position=1, hidden=True)


@pytest.mark.parametrize("role", ["organizer", "moderator"])
def test_a_hidden_ticket_says_so_with_its_settings_folded(client, event, tickets, person_as, role):
    client.force_login(person_as(role))
    response = client.get(reverse("tickets:wizard", args=[event.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    if role == "organizer":  # the empty row's template has one too, never shown
        html = html.split("<template data-ticket-template>")[0]
    assert hidden_labels(html) == [False, True]
    # Folded: the settings of neither row are open.
    assert 'class="collapse show"' not in html
