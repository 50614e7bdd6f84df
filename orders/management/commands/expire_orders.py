"""``manage.py expire_orders``: the sweep behind the expiry tasks. Marks expired every
pending order whose hold is over (each logged with no actor, the system) and deletes the
idempotency records past their 24 hours (``forget_idempotency_records``; a record past
its time answers nothing anyway).

Each order's expiry is a background task queued when it was placed
(``orders.tasks.expire_order``, run at its ``expires_at`` by the worker); this catches
what a lost task or a worker down for a while left behind. Nothing depends on it for
correctness: a pending order past its hold holds no seats (``orders.services.holding``).
Run every 15 minutes by ``deploy/systemd/eventdesk-expire-orders.timer``."""

from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled

from orders.services import expire_due, forget_idempotency_records


class Command(BaseCommand):
    help = "Mark expired the pending orders whose hold (EVENTDESK_ORDER_HOLD_MINUTES) is over."

    def handle(self, *args, **options):
        with scopes_disabled():  # every event's orders
            count = expire_due()
            forgotten = forget_idempotency_records()
        self.stdout.write(f"Expired {count} order{'' if count == 1 else 's'}.")
        self.stdout.write(f"Deleted {forgotten} idempotency record{'' if forgotten == 1 else 's'} past their time.")
