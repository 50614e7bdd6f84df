from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.validators import MAX_TEXT_LENGTH, validate_datetime_range, validate_single_line
from events.models import EventOwned, EventOwnedQuerySet, scoped_manager


class TicketQuerySet(EventOwnedQuerySet):
    # EventOwnedQuerySet: bulk creates, update_and_bump and bump bump versions and tickets_ver too.

    def on_sale(self, now=None):
        """Tickets the public may see: not hidden and inside their sales window."""
        now = now or timezone.now()
        return self.filter(hidden=False).filter(
            Q(sales_starts_at__isnull=True) | Q(sales_starts_at__lte=now),
            Q(sales_ends_at__isnull=True) | Q(sales_ends_at__gt=now),
        )


class Ticket(EventOwned):
    counter = "tickets_ver"
    resource_name = "ticket"  # the matrix's row for tickets (registered in tickets.apps)

    class Type(models.TextChoices):
        FREE = "free", "Free"
        PAID = "paid", "Paid"
        DONATION = "donation", "Donation"

    type = models.CharField(max_length=10, choices=Type.choices)
    name = models.CharField(max_length=150, validators=[validate_single_line])
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    description = models.TextField(blank=True, max_length=MAX_TEXT_LENGTH)
    sales_starts_at = models.DateTimeField(null=True, blank=True, validators=[validate_datetime_range])
    sales_ends_at = models.DateTimeField(null=True, blank=True, validators=[validate_datetime_range])
    min_order = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    max_order = models.PositiveIntegerField(default=10, validators=[MinValueValidator(1)])
    hidden = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    objects = scoped_manager(TicketQuerySet, event="event")

    # What an organizer edits on a ticket: the wizard's row, the API's writable fields.
    EDITABLE_FIELDS = (
        "type",
        "name",
        "price",
        "quantity",
        "description",
        "sales_starts_at",
        "sales_ends_at",
        "min_order",
        "max_order",
        "hidden",
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "event", name="ticket_name_unique_per_event_ci"),
            models.CheckConstraint(
                condition=(Q(type="paid") & Q(price__gt=0)) | (~Q(type="paid") & Q(price__isnull=True)),
                name="ticket_price_only_for_paid",
            ),
            models.CheckConstraint(condition=Q(max_order__gte=F("min_order")), name="ticket_min_order_le_max"),
            models.CheckConstraint(
                condition=Q(sales_starts_at__isnull=True)
                | Q(sales_ends_at__isnull=True)
                | Q(sales_ends_at__gt=F("sales_starts_at")),
                name="ticket_sales_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_type_display()})"

    def get_constraints(self):
        # The constraints above back up, in the database, rules checked in Python with a
        # message for people: one ticket's by clean(), the names' uniqueness (ignoring
        # case) by tickets.services.check_ticket_set, for the wizard, the API and the admin
        # alike. Model validation leaves them out: each would cost a query per ticket and
        # answer in the database's words.
        return []

    def clean(self):
        """The rules of one ticket (docs/architecture.md, "Permissions"), with a message on the field at fault.

        A value that failed its own field's validation is ``None`` here and its rules are
        skipped. Uniqueness of the name within the event is a rule of the event's tickets
        together (tickets.services.check_ticket_set), backed by the constraint above.
        """
        errors = {}
        if self.type == self.Type.PAID:
            if self.price is None:
                errors["price"] = "Enter the price of a paid ticket."
            elif self.price <= 0:
                errors["price"] = "The price of a paid ticket must be more than 0."
        elif self.type in (self.Type.FREE, self.Type.DONATION) and self.price is not None:
            errors["price"] = f"A {self.get_type_display().lower()} ticket has no price."
        if self.quantity is not None and self.min_order is not None and self.min_order > self.quantity:
            errors["min_order"] = "The minimum order cannot be more than the quantity."
        elif self.min_order is not None and self.max_order is not None and self.max_order < self.min_order:
            errors["max_order"] = "The maximum order cannot be less than the minimum order."
        elif self.quantity is not None and self.max_order is not None and self.max_order > self.quantity:
            errors["max_order"] = "The maximum order cannot be more than the quantity."
        if self.sales_starts_at and self.sales_ends_at and self.sales_ends_at <= self.sales_starts_at:
            errors["sales_ends_at"] = "Sales must end after they start."
        event_ends_at = self.event.ends_at if self.event_id else None
        if event_ends_at:
            if self.sales_ends_at and self.sales_ends_at > event_ends_at:
                errors.setdefault("sales_ends_at", "Sales cannot end after the event ends.")
            if self.sales_starts_at and self.sales_starts_at >= event_ends_at:
                errors["sales_starts_at"] = "Sales must start before the event ends."
        if errors:
            raise ValidationError(errors)
