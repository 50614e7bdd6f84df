"""``manage.py expire_orders``: mark expired every pending order whose hold is over.

Not needed for correctness (a pending order past its hold holds no seats, and every
availability check expires the event's due orders); it keeps the lists up to date
when run from cron. It also deletes the idempotency records past their 24 hours
(``forget_idempotency_records``; a record past its time answers nothing anyway)."""

from django.core.management.base import BaseCommand

from orders.services import expire_due, forget_idempotency_records


class Command(BaseCommand):
    help = "Mark expired the pending orders whose hold (EVENTDESK_ORDER_HOLD_MINUTES) is over."

    def handle(self, *args, **options):
        count = expire_due()
        self.stdout.write(f"Expired {count} order{'' if count == 1 else 's'}.")
        forgotten = forget_idempotency_records()
        self.stdout.write(f"Deleted {forgotten} idempotency record{'' if forgotten == 1 else 's'} past their time.")
