"""Orders of an event's tickets (docs/architecture.md, "Orders").

An order holds seats of tickets from its creation: pending for
``EVENTDESK_ORDER_HOLD_MINUTES`` (then expired, seats freed), paid once an organizer
marks it so (or at once when its total is 0), cancelled by an organizer or by the
buyer while pending. Create and change them only through ``orders.services``.
"""

import secrets

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django_scopes import ScopedManager

from core.mail import mailbox_of
from core.validators import MAX_TEXT_LENGTH, validate_email_characters, validate_single_line
from events.models import Event
from tickets.models import Ticket

#: Order codes: letters and digits that cannot be read one for another (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


#: The longest ``Order.mailbox`` kept (an IDNA-encoded domain may be longer than typed).
MAILBOX_MAX = 400


def mailbox_key(email):
    """``Order.mailbox`` for ``email``: the mailbox it reaches (``mailbox_of``), as kept."""
    return mailbox_of(email)[:MAILBOX_MAX]


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_secret():
    return secrets.token_urlsafe(16)


class SalesSettings(models.Model):
    """How an event sells its tickets, the orders' settings of it (the event's Settings
    page shows them: ``events.views.dashboard.add_settings_section``, in orders.apps):
    events knows nothing of them. An event without a row has the defaults (``of``).
    Change them through ``orders.services.set_sales_settings``."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="sales_settings")
    # Shown with every pending order: how to pay, as there is no payment provider.
    payment_instructions = models.TextField(blank=True, max_length=MAX_TEXT_LENGTH)

    objects = ScopedManager(event="event")

    class Meta:
        verbose_name = "sales settings"
        verbose_name_plural = "sales settings"

    def __str__(self):
        return f"Sales settings of {self.event}"

    @classmethod
    def of(cls, event):
        """``event``'s settings: its row, or an unsaved one with the defaults."""
        try:
            return event.sales_settings
        except cls.DoesNotExist:
            return cls(event=event)


class Order(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    resource_name = "order"  # its row in the permission matrix (registered by orders.apps)

    #: The states whose orders hold their seats.
    HOLDING = (State.PENDING, State.PAID)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="orders")
    code = models.CharField(max_length=12, unique=True, default=new_code)
    # The buyer's link to the order page carries it (no account needed).
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    name = models.CharField(max_length=150, validators=[validate_single_line])
    email = models.EmailField(validators=[validate_email_characters])
    # Who placed it, for the bound on seats one buyer holds (orders.services.held_by_buyer):
    # the account (if logged in) and a keyed digest of the client's address (never the
    # address itself).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client = models.CharField(max_length=64, blank=True, default="", editable=False)
    # The mailbox ``email`` reaches (``core.mail.mailbox_of``: no ``+tag``, lower case, the
    # domain as the mailer encodes it), set by ``save``: the held-seat bound counts a
    # buyer's address by it, so ``Ada+1@Example.com`` and ``ada@ｅｘａｍｐｌｅ.com`` are one.
    mailbox = models.CharField(max_length=MAILBOX_MAX, blank=True, default="", editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveBigIntegerField(default=1, editable=False)

    objects = ScopedManager(event="event")  # django-scopes: in a request, its event's only

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["event", "state", "expires_at"], name="order_event_state_expires"),
            models.Index(fields=["event", "client"], name="order_event_client"),
            models.Index(fields=["event", "mailbox"], name="order_event_mailbox"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=~Q(state="pending") | Q(expires_at__isnull=False), name="order_pending_expires"
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.name})"

    def save(self, *args, **kwargs):
        self.mailbox = mailbox_key(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "mailbox"}
        super().save(*args, **kwargs)

    def get_buyer_url(self):
        """The buyer's page (the secret is in the link). Not ``get_absolute_url``: that is
        an object's public address, which generic code (the admin's "view on site", its
        shortcut, ``redirect(obj)``) hands to anyone who may see the object."""
        return reverse("order_page", kwargs={"slug": self.event.slug, "code": self.code, "secret": self.secret})

    def get_dashboard_url(self):
        return reverse("orders:detail", kwargs={"event_id": self.event_id, "code": self.code})

    @property
    def is_pending(self):
        return self.state == self.State.PENDING


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # RESTRICT: a ticket that has orders cannot be deleted (tickets.services refuses it
    # with a message first), unless its event, and so its orders, go with it.
    ticket = models.ForeignKey(Ticket, on_delete=models.RESTRICT, related_name="order_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # Copied from the ticket when ordered (a later change of price changes no order).
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    # Donation tickets: the amount given, for the whole line.
    donation = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    objects = ScopedManager(event="order__event")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(donation__isnull=True) | Q(donation__gte=0), name="orderline_donation_not_negative"
            ),
            models.UniqueConstraint(fields=["order", "ticket"], name="orderline_one_per_ticket"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.ticket}"

    @property
    def subtotal(self):
        return self.unit_price * self.quantity + (self.donation or 0)


class IdempotencyRecord(models.Model):
    """The first answer to a request that carried a one-time key (the API's
    ``Idempotency-Key``, the order form's token), kept ``IDEMPOTENCY_HOURS``: a retry with
    the same key gets this answer again instead of placing a second order. Inserted in
    the transaction that places the order (``orders.services.place_order_once``); the
    unique constraint makes a concurrent retry wait for it, or fail, never pass."""

    #: The stored answer holds the order's buyer link, with its secret (core.secrets).
    secret_fields = ("body",)

    #: Whose keys: ``"api:<event id>:user:<id>"``, ``"api:<event id>:client:<digest>"``,
    #: ``"form:<event id>"``.
    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    #: A digest of the request's body: the same key with another body is refused (422).
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    status = models.PositiveSmallIntegerField()
    body = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_one_per_scope_key")]

    def __str__(self):
        return f"{self.scope} {self.key}"
