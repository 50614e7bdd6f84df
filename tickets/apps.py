from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        # Hooks of the apps below, which know nothing of tickets: tickets are a resource of
        # the permission matrix (after the event's); the wizard gains its Tickets
        # page and its Review page the tickets' table, publishing asks for a ticket whose
        # sales fit the event, the activity log says who reads the tickets' entries.
        from events.activity_log import Kind, add_kind
        from events.services import add_publish_check
        from events.views.wizard import add_review_section, add_wizard_step
        from permissions.resources import register_resource
        from tickets import plugins, services
        from tickets.models import Ticket

        register_resource(Ticket.resource_name)
        add_wizard_step("tickets", "Tickets", "tickets:wizard", after="details")
        add_review_section(plugins.review_section)
        add_publish_check(services.publish_problems)
        add_kind(Kind("ticket", ("tickets.ticket",), (Ticket.resource_name,)))
