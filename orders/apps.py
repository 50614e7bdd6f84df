from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self):
        # Hooks of the apps below, which know nothing of orders (the layering,
        # docs/architecture.md): a ticket's seats sold or held limit its quantity and
        # keep it from being deleted; the dashboard gains the Tickets and Orders tabs.
        from events.views.dashboard import add_dashboard_tab
        from orders import services
        from tickets.services import add_ticket_set_rule

        add_ticket_set_rule(services.check_tickets_against_orders)
        add_dashboard_tab("sales", "Tickets", "orders:sales", "order")
        add_dashboard_tab("orders", "Orders", "orders:list", "order")
