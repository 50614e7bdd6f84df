import pytest

from events.models import Event
from tests.factories import TicketFactory
from tickets.models import Ticket


@pytest.fixture
def shop(event):
    """``event``, published, with a free, a paid (10.00, 10 seats), a donation and a hidden ticket."""
    Event.objects.filter(pk=event.pk).update(state="published", payment_instructions="Pay to IBAN DE00 1234.")
    event.refresh_from_db()
    event.free = TicketFactory(event=event, name="Community", quantity=100)
    event.paid = TicketFactory(event=event, name="Regular", paid=True, quantity=10, max_order=5)
    event.donation = TicketFactory(event=event, name="Supporter", type=Ticket.Type.DONATION, quantity=50)
    event.hidden = TicketFactory(event=event, name="Speaker", quantity=20, hidden=True)
    return event
