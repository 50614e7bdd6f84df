from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self):
        # Hooks of the apps below, which know nothing of orders (the layering,
        # docs/architecture.md): orders are a resource of the permission matrix; a
        # ticket's seats sold or held limit its quantity and keep it from being deleted;
        # the dashboard gains the Tickets and Orders tabs and the Settings page the
        # orders' section; the public home shows the order form; the activity log says
        # who reads the orders' entries.
        from events.activity_log import Kind, add_kind
        from events.public import add_home_section
        from events.views.dashboard import add_dashboard_tab, add_settings_section
        from orders import plugins, services
        from orders.forms import SalesSettingsForm
        from orders.models import Order
        from permissions.resources import EVENT, register_resource
        from tickets.services import add_ticket_set_rule

        register_resource(Order.resource_name)
        add_ticket_set_rule(services.check_tickets_against_orders)
        add_dashboard_tab("sales", "Tickets", "orders:sales", Order.resource_name)
        add_dashboard_tab("orders", "Orders", "orders:list", Order.resource_name)
        add_settings_section(SalesSettingsForm, services.set_sales_settings)
        add_home_section(plugins.home_section)
        add_kind(Kind("order", ("orders.order", "orders.orderline"), (Order.resource_name,)))
        add_kind(Kind("sales settings", ("orders.salessettings",), (EVENT,)))
