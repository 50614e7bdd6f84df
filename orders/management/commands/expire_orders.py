"""``manage.py expire_orders``: mark expired every pending order whose hold is over.

Not needed for correctness (a pending order past its hold holds no seats, and every
availability check expires the event's due orders); it keeps the lists up to date
when run from cron."""

from django.core.management.base import BaseCommand

from orders.services import expire_due


class Command(BaseCommand):
    help = "Mark expired the pending orders whose hold (EVENTDESK_ORDER_HOLD_MINUTES) is over."

    def handle(self, *args, **options):
        count = expire_due()
        self.stdout.write(f"Expired {count} order{'' if count == 1 else 's'}.")
