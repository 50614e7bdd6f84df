"""factory_boy factories for the objects most tests need: users, events, tickets, sessions.

``UserFactory(email=..., password=..., is_admin=...)`` goes through ``create_user`` (the
password hashed as on sign-up); ``EventFactory(owner=...)`` through
``events.services.create_event``, so the owner holds the Organizer role as after the
wizard; tickets and sessions belong to an event (a new one unless given).
"""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from events.models import Event, Session
from events.services import create_event
from tests.utils import PASSWORD
from tickets.models import Ticket


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = PASSWORD
    # Confirmed, as most tests need; email_confirmed_at=None for an unconfirmed address.
    email_confirmed_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        email, password = kwargs.pop("email"), kwargs.pop("password")
        return model_class.objects.create_user(email, password, **kwargs)


def _next_month():
    return (timezone.now() + timedelta(days=30)).replace(microsecond=0)


class EventFactory(factory.Factory):
    """An event created as the wizard creates it: a draft, its owner the Organizer."""

    class Meta:
        model = Event

    owner = factory.SubFactory(UserFactory)
    name = "PyCon Test"
    starts_at = factory.LazyFunction(_next_month)
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(days=2))
    timezone = "Europe/Berlin"
    currency = "EUR"

    @classmethod
    def _build(cls, model_class, *args, owner, **fields):
        return model_class(created_by=owner, **fields)

    @classmethod
    def _create(cls, model_class, *args, owner, **fields):
        return create_event(owner, **fields)


class TicketFactory(DjangoModelFactory):
    """A free ticket on sale; ``TicketFactory(paid=True)`` costs 10.00."""

    class Meta:
        model = Ticket

    class Params:
        paid = factory.Trait(type=Ticket.Type.PAID, price="10.00")

    event = factory.SubFactory(EventFactory)
    type = Ticket.Type.FREE
    name = factory.Sequence(lambda n: f"Ticket {n}")
    quantity = 100


class SessionFactory(DjangoModelFactory):
    """A 45-minute session ``hours`` after its event starts (1 unless given)."""

    class Meta:
        model = Session
        exclude = ["hours"]

    event = factory.SubFactory(EventFactory)
    title = "Keynote"
    hours = 1
    starts_at = factory.LazyAttribute(lambda session: session.event.starts_at + timedelta(hours=session.hours))
    ends_at = factory.LazyAttribute(lambda session: session.starts_at + timedelta(minutes=45))
