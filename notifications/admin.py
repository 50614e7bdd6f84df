"""Every notification in the Django admin, for the super admin alone, read only: what it
was for (``action``), to whom, whether it was read. Nothing is added, changed or deleted
here: notifications are made by ``notifications.services.notify``."""

from django.contrib import admin

from core.admin import SuperAdminReadOnlyMixin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(SuperAdminReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "action", "user", "received_at", "has_read"]
    list_filter = ["action", ("user", admin.RelatedOnlyFieldListFilter), "has_read"]
    search_fields = ["title"]
    list_select_related = ["user"]
    date_hierarchy = "received_at"
    fields = ["user", "action", "title", "message", "link", "awaits_answer", "answer_by", "received_at", "has_read"]
    readonly_fields = fields
