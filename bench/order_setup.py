"""The set-up the order benchmarks share (bench/orders.py, bench/order_mail.py): the
scratch database, the environment of the stack's processes, one ticket to buy."""

import os
from datetime import timedelta

from django_scopes import scopes_disabled
from scratch_db import recreate_database  # bench/, the script's own folder


def order_bench_env(database_url, **extra):
    """Point this process at ``database_url``, (re)created empty, and return (its name, the
    environment for the stack's processes, ``extra`` added): one address sends every order
    and holds every seat, so the rate and held-seat limits are lifted."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    name = recreate_database(database_url)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        EVENTDESK_ORDER_RATE="1000000/min",
        EVENTDESK_MAX_HELD_SEATS="1000000",
        LOG_LEVEL="WARNING",
        **extra,
    )
    return name, env


@scopes_disabled()  # the bench's own data, outside any request
def seed(quantity):
    """A published event with one paid ticket of ``quantity`` seats (the database is migrated)."""
    import django

    django.setup()
    from django.db import connections
    from django.utils import timezone

    from accounts.models import User
    from events.models import Event
    from events.services import create_event
    from tickets.models import Ticket

    organizer = User.objects.create_user("bench@example.com", "bench-password-1")
    starts = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    event = create_event(organizer, name="Bench Conf", starts_at=starts, ends_at=starts + timedelta(days=2))
    ticket = Ticket.objects.create(
        event=event, type="paid", name="Regular", price="10.00", quantity=quantity, max_order=10
    )
    Event.objects.filter(pk=event.pk).update_and_bump(state="published")
    connections.close_all()
    return event.pk, ticket.pk
