"""What tickets adds to pages of events, which knows nothing of tickets (the layering,
docs/architecture.md); tickets.apps registers each."""

from django.template.loader import render_to_string

from tickets.services import event_tickets


def review_section(event):
    """The wizard's Review page: the event's tickets (``events.views.wizard.add_review_section``)."""
    return render_to_string("tickets/_review_tickets.html", {"event": event, "tickets": event_tickets(event)})
