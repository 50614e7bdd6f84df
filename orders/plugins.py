"""What orders adds to pages of the apps below it, which know nothing of orders (the
layering, docs/architecture.md); orders.apps registers each."""

from django.template.loader import render_to_string

from orders.forms import order_form_for


def home_section(context):
    """The event's public home: its tickets on sale, as the order form
    (``events.public.add_home_section``)."""
    event = context["event"]
    return render_to_string(
        "orders/_home_tickets.html",
        {"event": event, "form": order_form_for(event), "csrf_token": context.get("csrf_token")},
    )
