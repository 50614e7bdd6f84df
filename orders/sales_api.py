"""``/api/v1/events/<event_id>/sales-settings/``: the event's sales settings
(``orders.SalesSettings``: its payment instructions), as on the Settings page. ``GET``
needs the event's read, ``PATCH`` its update (the matrix's ``event`` row, as the page);
saved by ``orders.services.set_sales_settings`` (logged); too long a text is 400 and
nothing is stored. (They were the event's field ``payment_instructions`` before they
moved to orders.)"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from events.api import EventResourcePermission, InEventMixin
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
        description="For whoever may update the event. `payment_instructions`: shown with every pending order.",
    ),
)
class SalesSettingsViewSet(InEventMixin, viewsets.GenericViewSet):
    serializer_class = SalesSettingsSerializer
    permission_classes = [EventResourcePermission]
    resource = None  # the event itself
    public_serializer_class = None  # never public
    queryset = SalesSettings.objects.none()

    def retrieve(self, request, event_id):
        return Response(self.get_serializer(SalesSettings.of(self.event)).data)

    def partial_update(self, request, event_id):
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        settings = services.set_sales_settings(self.event, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(settings).data)
