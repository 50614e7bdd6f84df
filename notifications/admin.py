"""Every notification in the Django admin, for the super admin alone, read only: what it
was for (``action``), to whom, whether it was read. Nothing is added, changed or deleted
here: notifications are made by ``notifications.services.notify``."""

from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "action", "user", "received_at", "has_read"]
    list_filter = ["action", ("user", admin.RelatedOnlyFieldListFilter), "has_read"]
    search_fields = ["title"]
    list_select_related = ["user"]
    date_hierarchy = "received_at"
    fields = ["user", "action", "title", "message", "link", "awaits_answer", "received_at", "has_read"]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_super_admin

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_super_admin

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
