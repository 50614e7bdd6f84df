"""Background tasks of orders, queued by ``orders.services`` in the transaction that
places an order (docs/architecture.md, "Orders"): they exist exactly when the order
does, and a worker (``manage.py db_worker``) runs them after the commit, outside any
request. Arguments are ids; each task enters no event's scope but says so
(``scopes_disabled``): it works on the order whose id it was given, whichever event.
"""

from django.db import transaction
from django_scopes import scopes_disabled
from django_tasks import task

from notifications import services as notifications
from notifications.models import Notification
from orders import services
from orders.models import Order
from permissions.checks import users_who_may


@task()
def expire_order(order_id):
    """At the order's ``expires_at`` (queued with ``run_after``): expire it if it is still
    pending (``services.expire_order``, logged with no actor). Returns whether it did."""
    with scopes_disabled():
        return services.expire_order(order_id)


@task()
def notify_new_order(order_id):
    """Tell of a new order those who may read the event's orders
    (``permissions.checks.users_who_may``, asked now: the matrix as it is when this runs).
    Returns how many were told."""
    with scopes_disabled(), transaction.atomic():
        order = Order.objects.select_related("event").filter(pk=order_id).first()
        if order is None:  # the event was deleted meanwhile, its orders with it
            return 0
        event = order.event
        recipients = users_who_may(event, services.ORDER_RESOURCE, "read")
        if recipients:  # already in a worker: at once, not queued again (notify_many)
            notifications.notify_many_now(
                recipients,
                Notification.Action.NEW_ORDER,
                f"New order {order.code}: {order.total} {event.currency}",
                f"{order.name} ordered tickets for {event.name}.",
                link=order.get_dashboard_url(),
            )
        return len(recipients)
