"""JSON API for an event's orders (``/api/v1/events/<event_id>/orders/``).

- ``POST``: anyone (no log-in needed) orders a published event's tickets
  (``orders.services.place_order``): 201 with the order; not enough left, 409
  ``{"detail", "ticket", "available"}``; a broken rule, 400 naming the field, or the line
  (``lines``: ``{"<index from 0>": {field: messages}}``) and the rule. Limited per client
  address and per account (``EVENTDESK_ORDER_RATE``, 429 past it); a buyer holding too
  many unpaid seats, 429 with ``Retry-After`` (409 when none of its holds will end).
  An ``Idempotency-Key`` header (1–255 visible ASCII characters) makes a retry safe: the
  same key and body within 24 hours answer the first answer again (its status, body and
  ETag, ``Idempotent-Replayed: true``), another body 422; a malformed key 400.
- ``GET`` (list, one by its code): the matrix's order read, with ETags.
- ``PATCH`` ``{"state": "paid"}`` or ``{"state": "cancelled"}``: the matrix's order
  update (``If-Match`` honoured; an order not in a state that allows it: 409).
"""

import hashlib
import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Count, Max, Sum
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from core.api.etags import ConditionalRequestMixin, aggregate_version, make_etag
from core.links import site_root
from core.validators import validate_email_characters, validate_single_line
from events.scope import enter_event
from orders import services
from orders.models import Order, OrderLine
from orders.throttling import client_digest, order_throttles
from permissions import checks
from tickets.services import lock_event

# --- serializers ---------------------------------------------------------------------------


class OrderLineSerializer(serializers.ModelSerializer):
    ticket = serializers.IntegerField(source="ticket_id")
    amount = serializers.DecimalField(source="donation", max_digits=10, decimal_places=2, allow_null=True)

    class Meta:
        model = OrderLine
        fields = ["ticket", "quantity", "unit_price", "amount"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "code",
            "state",
            "name",
            "email",
            "total",
            "lines",
            "created_at",
            "expires_at",
            "paid_at",
            "cancelled_at",
            "version",
        ]
        read_only_fields = fields


class LineInSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=services.MAX_QUANTITY)
    amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True, help_text="Donations only."
    )


class OrderInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=services.NAME_MAX, validators=[validate_single_line])
    email = serializers.EmailField(max_length=services.EMAIL_MAX, validators=[validate_email_characters])
    lines = LineInSerializer(many=True, allow_empty=False, max_length=100)


class StateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[Order.State.PAID, Order.State.CANCELLED])


class OrderFilters(serializers.Serializer):
    state = serializers.ChoiceField(choices=Order.State.values, required=False)
    q = serializers.CharField(required=False, max_length=200, allow_blank=True)


# --- errors ------------------------------------------------------------------------------------


class KeyReusedError(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


# --- Idempotency-Key ---------------------------------------------------------------------------

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Makes a retry safe: 1–255 visible ASCII characters, new for each order (a UUID). The same key "
    "with the same body within 24 hours answers the first answer again (status, body and ETag, with "
    "`Idempotent-Replayed: true`) and places nothing; with another body, 422. Keys are the caller's own "
    "(per account, or per client address when anonymous) and the event's.",
)


def idempotency_key(request):
    """The request's ``Idempotency-Key`` (``None`` without one); a malformed one is a 400."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise exceptions.ValidationError(
            {IDEMPOTENCY_HEADER: ["A key is 1 to 255 visible ASCII characters (no spaces), such as a UUID."]}
        )
    return key


def idempotency_scope(request, event):
    """Whose keys: the account's, or the anonymous client address's, in this event."""
    if request.user and request.user.is_authenticated:
        return f"api:{event.pk}:user:{request.user.pk}"
    return f"api:{event.pk}:client:{client_digest(request)}"


def fingerprint(data):
    """A digest of the parsed body (the same JSON however its keys are ordered or spaced)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- the view ------------------------------------------------------------------------------------


class OrderPermission(BasePermission):
    """Placing an order: anyone who sees the event (``enter_event`` answered 404 for a
    draft the client may not see; the service refuses drafts). Reading: the matrix's
    order read; changing: order update."""

    message = "Your role in this event does not allow this."

    def has_permission(self, request, view):
        if view.action == "create":
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        operation = "read" if view.action in ("list", "retrieve") else "update"
        return checks.may(request.user, view.event, services.ORDER_RESOURCE, operation)


@extend_schema_view(
    list=extend_schema(
        summary="List the event's orders",
        description="For whom the matrix lets read orders. `?state=` (pending, paid, cancelled, expired), `?q=` "
        "(code, name or e-mail). Paginated, with ETags.",
    ),
    retrieve=extend_schema(summary="Read an order", description="By its code."),
    create=extend_schema(
        summary="Order tickets",
        description="Anyone, for a published event (`EVENTDESK_ORDER_RATE` per client address and per account). "
        "409 `{detail, ticket, available}` when not enough is left; 400 naming the line and the rule, or an "
        "order whose total is more than 9999999999.99; 429 with `Retry-After` when the buyer (e-mail address, "
        "account or client address) would hold more than `EVENTDESK_MAX_HELD_SEATS` unpaid seats. "
        "Send an `Idempotency-Key` to retry safely.",
        request=OrderInSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: inline_serializer(
                "OrderCreated",
                {
                    "code": serializers.CharField(),
                    "state": serializers.CharField(),
                    "total": serializers.DecimalField(max_digits=12, decimal_places=2),
                    "lines": OrderLineSerializer(many=True),
                    "expires_at": serializers.DateTimeField(allow_null=True),
                    "url": serializers.URLField(help_text="The buyer's order page."),
                },
            ),
            409: inline_serializer(
                "NotEnoughLeft",
                {
                    "detail": serializers.CharField(),
                    "ticket": serializers.IntegerField(),
                    "available": serializers.IntegerField(),
                },
            ),
            422: inline_serializer("IdempotencyKeyReused", {"detail": serializers.CharField()}),
            429: inline_serializer("TooManyOrdersOrSeats", {"detail": serializers.CharField()}),
        },
    ),
    partial_update=extend_schema(
        summary="Mark an order paid, or cancel it",
        description='`{"state": "paid"}` or `{"state": "cancelled"}`. `If-Match` with a stale ETag answers 412; '
        "an order whose state does not allow it, 409.",
        request=StateSerializer,
    ),
)
class OrderViewSet(
    ConditionalRequestMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = OrderSerializer
    permission_classes = [OrderPermission]
    lookup_field = "code"
    lookup_value_converter = "str"
    http_method_names = ["get", "post", "patch", "head", "options"]
    event_url_kwarg = "event_id"

    def check_permissions(self, request):
        if self.event_url_kwarg in self.kwargs:
            self.event = enter_event(request, event_id=self.kwargs[self.event_url_kwarg])
        super().check_permissions(request)

    def get_throttles(self):
        return order_throttles() if self.action == "create" else []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return Order.objects.filter(event=self.event).prefetch_related("lines")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list":
            filters = OrderFilters(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            queryset = services.find_orders(queryset, **filters.validated_data)
        return queryset

    def list_version(self):
        orders = Order.objects.filter(event=self.event)
        return (
            self.event.pk,
            self.event.created_at,
            aggregate_version(orders, count=Count("id"), versions=Sum("version"), last=Max("id")),
        )

    def object_id(self):
        return self.kwargs["code"]

    def object_etag(self, object_id, version):
        return make_etag(self.representation(), "object", str(object_id), version, self.visibility())

    def etag_of(self, obj):
        return self.object_etag(obj.code, obj.version)

    def create(self, request, *args, **kwargs):
        key = idempotency_key(request)
        incoming = OrderInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        lines = [services.Line(line["ticket"], line["quantity"], line.get("amount")) for line in data["lines"]]
        order_data = {
            "name": data["name"],
            "email": data["email"],
            "lines": lines,
            "site_url": site_root(request),  # SITE_URL, or a named host (core.links)
            "actor": request.user,  # the buyer's account, if logged in
            "client": client_digest(request),
        }
        try:
            if key is None:
                order = services.place_order(self.event, **order_data)
            else:
                record, placed = services.place_order_once(
                    self.event,
                    scope=idempotency_scope(request, self.event),
                    key=key,
                    fingerprint=fingerprint(request.data),
                    answer=lambda order: (status.HTTP_201_CREATED, self.created_body(request, order)),
                    **order_data,
                )
                # The first answer again, with its tag: that of the order as the body shows
                # it (a replay after a change is stale, and If-Match with it is a 412).
                headers = {"ETag": self.object_etag(record.body["code"], record.body["version"])}
                if not placed:
                    headers["Idempotent-Replayed"] = "true"
                return Response(record.body, status=record.status, headers=headers)
        except services.KeyReused as error:
            raise KeyReusedError(error.message) from None
        except services.TooManyHeld as error:
            if not error.retry_after:
                raise  # none of its holds will end: a conflict (409, core.api.errors)
            body = {"detail": error.message}
            headers = {"Retry-After": str(error.retry_after)}
            return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)
        except services.InvalidOrder as error:
            raise exceptions.ValidationError(error.as_dict()) from None
        except services.NotEnoughLeft as error:
            # (A Response, not an APIException: that would make the numbers strings.)
            body = {"detail": error.message, "ticket": error.ticket_id, "available": error.available}
            return Response(body, status=status.HTTP_409_CONFLICT)
        # Any other core.errors.Conflict (the request came second): 409 (core.api.errors).
        return Response(
            self.created_body(request, order), status=status.HTTP_201_CREATED, headers={"ETag": self.etag_of(order)}
        )

    def created_body(self, request, order):
        body = dict(OrderSerializer(order).data)
        body["url"] = request.build_absolute_uri(order.get_buyer_url())
        return body

    def partial_update(self, request, *args, **kwargs):
        incoming = StateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        # A core.errors.Conflict (the order's state does not allow it) is a 409 (core.api.errors).
        with transaction.atomic():
            lock_event(self.event.pk)  # the event's row, then the order's (every write of orders)
            order = self.get_object()  # locked; If-Match compared
            services.set_state(order, incoming.validated_data["state"], actor=request.user)
        order = self.get_queryset().get(pk=order.pk)
        return Response(OrderSerializer(order).data, headers={"ETag": self.etag_of(order)})
