"""All activity, every event's and the matrix's, in the Django admin: for the super admin
alone, read only (entries are written by ``activity.services.log_action`` only)."""

from django.contrib import admin
from django.utils.html import format_html_join

from activity.models import ActivityEntry
from core.admin import SuperAdminReadOnlyMixin


@admin.register(ActivityEntry)
class ActivityEntryAdmin(SuperAdminReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "object_type", "object_repr", "event_label"]
    list_filter = [
        "action",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("event", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["actor_label", "object_repr", "event_label"]
    list_select_related = ["content_type"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "actor",
        "actor_label",
        "event",
        "event_label",
        "content_type",
        "object_id",
        "object_repr",
        "action",
        "changes_table",
    ]
    readonly_fields = fields

    @admin.display(description="type")
    def object_type(self, entry):
        return entry.object_type

    @admin.display(description="changes")
    def changes_table(self, entry):
        return format_html_join(
            "\n", "<div><b>{}</b>: {} → {}</div>", ((name, old, new) for name, (old, new) in entry.changes.items())
        )
