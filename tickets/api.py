"""JSON API for an event's tickets (``/api/v1/events/<event_id>/tickets/``).

Anyone, logged in or not, reads the tickets the public page lists (not hidden, sales
window open) of a published event; the roles whose matrix row ``ticket`` allows reading,
and the admins, read all of them; creating, changing and deleting follow the same row
(``permissions.resources``), by the wizard's rules (``tickets.services.save_ticket`` /
``delete_ticket``). A write that lost a race with another write of the event's tickets
(the ticket changed or was deleted meanwhile) answers 409 and changes nothing
(``tickets.services.ConcurrentChange``, a ``core.errors.Conflict``: ``core.api.errors``).
"""

from functools import cached_property

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import BasePermission

from core.api.etags import WRITE_ACTIONS
from core.transactions import in_transaction
from events import counters
from events.api import EventResourceViewSet, operation_for
from permissions import checks
from tickets.models import Ticket
from tickets.services import default_max_order, delete_ticket, lock_event, save_ticket


class TicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", *Ticket.EDITABLE_FIELDS, "position", "version", "created_at", "updated_at"]
        extra_kwargs = {"max_order": {"required": False}, "position": {"required": False}}
        # The name's uniqueness (ignoring case) is a rule of the event's tickets together:
        # save_ticket's (tickets.services.check_ticket_set), with the wizard's message.
        validators = []

    def create(self, validated_data):
        validated_data.setdefault("position", None)  # after the others
        if "max_order" not in validated_data:
            validated_data["max_order"] = default_max_order(
                validated_data.get("min_order"), validated_data["quantity"]
            )
        return save_ticket(Ticket(**validated_data), actor=self.context["request"].user)

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return save_ticket(instance, actor=self.context["request"].user)


class PublicTicketSerializer(serializers.ModelSerializer):
    """A ticket as the public page shows it (on sale, not hidden: no stock, no position)."""

    class Meta:
        model = Ticket
        fields = [
            "id",
            "type",
            "name",
            "price",
            "description",
            "sales_starts_at",
            "sales_ends_at",
            "min_order",
            "max_order",
            "version",
        ]
        read_only_fields = fields


def sales_windows(event):
    """The sales windows of the event's tickets the public may see (not hidden): sorted
    starts and ends, from the cache while the event's counters are the cached ones
    (``events.counters``: the same generation), else read (and cached) anew."""
    if getattr(event, "from_counters", False):
        generation = event.counters_generation
    else:
        generation = (counters.counters(event.pk) or {}).get("generation")
    key = f"ev:{event.pk}:ticket-windows"
    cached = cache.get(key)
    if cached is not None and generation is not None and cached["generation"] == generation:
        return cached["starts"], cached["ends"]
    rows = list(Ticket.objects.for_event(event).filter(hidden=False).values_list("sales_starts_at", "sales_ends_at"))
    starts = sorted(start for start, _ in rows if start is not None)
    ends = sorted(end for _, end in rows if end is not None)
    # Kept only if no change of the event was committed meanwhile (its generation is still current).
    if generation is not None and not in_transaction() and counters.current_generation(event.pk) == generation:
        cache.set(key, {"generation": generation, "starts": starts, "ends": ends}, counters.TIMEOUT)
    return starts, ends


def last_passed(moments, now):
    passed = [moment for moment in moments if moment <= now]
    return passed[-1] if passed else None


class TicketPermission(BasePermission):
    """The matrix's ``ticket`` row, for the operation of the HTTP method. The public (and a
    role without ticket read) reading a published event never gets here: ``InEventMixin``
    answers them with what is on sale; a draft is 404 to those who may not see it."""

    message = "Your role in this event does not allow this."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return checks.may(request.user, view.event, Ticket, operation_for(request.method))


@extend_schema_view(
    list=extend_schema(
        summary="List the event's tickets",
        description="The public (anyone, no log-in needed) sees a published event's tickets that are on sale; "
        "the event's team and admins see all. Paginated. The ETag changes with `tickets_ver` (and, for the "
        "public, when a sales window opens or closes).",
    ),
    create=extend_schema(summary="Create a ticket", description="For the roles the matrix allows (`ticket` create)."),
    retrieve=extend_schema(summary="Read a ticket"),
    update=extend_schema(summary="Replace a ticket", description="`If-Match` with a stale ETag answers 412."),
    partial_update=extend_schema(summary="Change a ticket", description="`If-Match`: as for PUT."),
    destroy=extend_schema(
        summary="Delete a ticket", description="A published event keeps at least one ticket. `If-Match`: as for PUT."
    ),
)
class TicketViewSet(EventResourceViewSet):
    """The event's tickets."""

    model = Ticket
    serializer_class = TicketSerializer
    public_serializer_class = PublicTicketSerializer
    permission_classes = [TicketPermission]

    @cached_property
    def now(self):
        return timezone.now()

    def reads_all(self):
        return self.request.event_permissions.allows(Ticket, "read")

    @property
    def sees_all(self):
        # Public: anyone without a role (and not an admin) reading a published event.
        return not self.public

    def get_queryset(self):
        tickets = super().get_queryset()
        return tickets if self.sees_all else tickets.on_sale(self.now)

    def list_version(self):
        version = super().list_version()
        if self.sees_all:
            return version
        # What the public sees changes when a sales window opens or closes, without any
        # ticket changing: the latest such moments passed are part of its tags.
        starts, ends = self.windows
        return (*version, last_passed(starts, self.now), last_passed(ends, self.now))

    @cached_property
    def windows(self):
        """``sales_windows`` of the event, read once per request (the tag and the front door's memo)."""
        return sales_windows(self.event)

    def public_until(self):
        # The public list changes when the next sales window opens or closes.
        starts, ends = self.windows
        coming = [moment for moment in (*starts, *ends) if moment > self.now]
        return min(coming).timestamp() if coming else None

    def get_object(self):
        if self.action in WRITE_ACTIONS and transaction.get_connection().in_atomic_block:
            # The event's row first, then the ticket's (core.api.etags locks it for If-Match):
            # the order of every write of tickets (tickets.services.lock_event).
            lock_event(self.event.pk)
        return super().get_object()

    def perform_destroy(self, instance):
        delete_ticket(instance, actor=self.request.user)
