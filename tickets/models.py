from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from events.models import EventOwned


class TicketQuerySet(models.QuerySet):
    def on_sale(self, now=None):
        """Tickets the public may see: not hidden and inside their sales window."""
        now = now or timezone.now()
        return self.filter(hidden=False).filter(
            Q(sales_starts_at__isnull=True) | Q(sales_starts_at__lte=now),
            Q(sales_ends_at__isnull=True) | Q(sales_ends_at__gt=now),
        )


class Ticket(EventOwned):
    counter = "tickets_ver"

    class Type(models.TextChoices):
        FREE = "free", "Free"
        PAID = "paid", "Paid"
        DONATION = "donation", "Donation"

    type = models.CharField(max_length=10, choices=Type.choices)
    name = models.CharField(max_length=150)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    description = models.TextField(blank=True)
    sales_starts_at = models.DateTimeField(null=True, blank=True)
    sales_ends_at = models.DateTimeField(null=True, blank=True)
    min_order = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    max_order = models.PositiveIntegerField(default=10, validators=[MinValueValidator(1)])
    hidden = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    objects = TicketQuerySet.as_manager()

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
