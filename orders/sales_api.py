"""``/api/v1/events/<event_id>/sales-settings/``: the event's sales settings
(``orders.SalesSettings``: its payment instructions), as on the Settings page. ``GET``
needs the event's read, ``PATCH`` its update (the matrix's ``event`` row, as the page);
saved by ``orders.services.set_sales_settings`` (logged); too long a text is 400 and
nothing is stored. The answers carry an ETag (of what they say); a ``PATCH`` whose
``If-Match`` names another is 412, nothing stored (the event's row locked from the
comparison to the save), as for the other resources (``core.api.etags``). (They were
the event's field ``payment_instructions`` before they moved to orders.)"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from core.api.etags import PreconditionFailed, PrivateAnswersMixin, header_tags, make_etag
from events.api import EventResourcePermission, InEventMixin
from events.models import Event
from orders import services
from orders.models import SalesSettings


class SalesSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = SalesSettings
        fields = ["payment_instructions"]


@extend_schema_view(
    retrieve=extend_schema(summary="Read the event's sales settings", description="For whoever may read the event."),
    partial_update=extend_schema(
        summary="Change the event's sales settings",
        description="For whoever may update the event. `payment_instructions`: shown with every pending order. "
        "`If-Match` with a stale ETag answers 412.",
    ),
)
class SalesSettingsViewSet(PrivateAnswersMixin, InEventMixin, viewsets.GenericViewSet):
    serializer_class = SalesSettingsSerializer
    permission_classes = [EventResourcePermission]
    resource = None  # the event itself
    public_serializer_class = None  # never public
    queryset = SalesSettings.objects.none()

    def answer(self, settings):
        data = self.get_serializer(settings).data
        return Response(data, headers={"ETag": make_etag("sales-settings", self.event.pk, sorted(data.items()))})

    def retrieve(self, request, event_id):
        return self.answer(SalesSettings.of(self.event))

    def partial_update(self, request, event_id):
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            # One writer at a time; the settings are first read here, after the lock.
            Event.objects.select_for_update().filter(pk=self.event.pk).exists()
            tags = header_tags(request, "HTTP_IF_MATCH")
            if tags and "*" not in tags and self.answer(SalesSettings.of(self.event))["ETag"] not in tags:
                raise PreconditionFailed()
            settings = services.set_sales_settings(self.event, actor=request.user, **serializer.validated_data)
        return self.answer(settings)
