from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        # Hooks of events, which knows nothing of tickets: the wizard gains its Tickets
        # page, the activity log says who reads the tickets' entries.
        from events.activity_log import Kind, add_kind
        from events.views.wizard import add_wizard_step
        from tickets.models import Ticket

        add_wizard_step("tickets", "Tickets", "tickets:wizard", after="details")
        add_kind(Kind("ticket", ("tickets.ticket",), (Ticket.resource_name,)))
