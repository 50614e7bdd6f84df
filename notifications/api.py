"""JSON API for a user's own notifications (``/api/v1/notifications/``).

Only the user's own are ever listed or found (another user's is 404). Marking read goes
through ``notifications.services``, which also tells the user's open pages.
"""

from django.db.models import Count, Max, Q, Sum
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api.etags import ConditionalRequestMixin, aggregate_version
from notifications import services
from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    awaits_answer = serializers.BooleanField(
        source="is_open", read_only=True, help_text="An open invitation: answer it at `link` (accept or decline)."
    )

    class Meta:
        model = Notification
        fields = ["id", "action", "title", "message", "link", "awaits_answer", "received_at", "has_read"]
        read_only_fields = fields


class NotificationFilters(serializers.Serializer):
    unread = serializers.BooleanField(required=False, help_text="`true`: only the unread ones.")


MarkAllReadSerializer = inline_serializer(
    "MarkAllRead", {"marked_read": serializers.IntegerField(), "unread_count": serializers.IntegerField()}
)


@extend_schema_view(
    list=extend_schema(
        summary="List my notifications",
        description="Newest first, paginated; `?unread=true` for the unread ones only.",
        parameters=[NotificationFilters],
    ),
    retrieve=extend_schema(summary="Read one of my notifications"),
)
class NotificationViewSet(
    ConditionalRequestMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The logged-in user's notifications."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    lookup_value_converter = "int"
    queryset = Notification.objects.none()  # for the schema; the real one is the user's

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user)

    def list(self, request, *args, **kwargs):
        filters = NotificationFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        self.unread_only = filters.validated_data.get("unread", False)
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.filter(has_read=False) if getattr(self, "unread_only", False) else queryset

    def visibility(self):
        return f"user:{self.request.user.pk}"

    def list_version(self):
        # Notifications have no counter. They are created and deleted (the count and the
        # newest id change), and changed by services that move their ``version`` (read,
        # invitation closed: the sum of versions grows). Time closes invitations too
        # (``answer_by`` passes): the count of those still flagged open whose time is up
        # grows with each, until closing one moves its version.
        expired = Q(awaits_answer=True, answer_by__lte=timezone.now())
        return aggregate_version(
            self.get_queryset(),
            count=Count("id"),
            newest=Max("id"),
            versions=Sum("version"),
            unread=Count("id", filter=Q(has_read=False)),
            unread_ids=Sum("id", filter=Q(has_read=False)),
            expired=Count("id", filter=expired),
        )

    def object_version(self, obj):
        # Everything shown that can change: the row's version, and whether it is open
        # now (an invitation's time passes without a write).
        return (obj.version, obj.has_read, obj.is_open)

    @extend_schema(summary="Mark one of my notifications read", request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        try:
            services.mark_read(request.user, int(pk))
        except Notification.DoesNotExist:
            raise Http404("No such notification.") from None
        notification = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(notification).data, headers={"ETag": self.etag_of(notification)})

    @extend_schema(summary="Mark all my notifications read", request=None, responses=MarkAllReadSerializer)
    @action(detail=False, methods=["post"], url_path="mark-all-read")
    def mark_all_read(self, request):
        changed = services.mark_all_read(request.user)
        return Response({"marked_read": changed, "unread_count": services.unread_count(request.user)})
