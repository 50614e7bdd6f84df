"""The activity log's representation in the API (the view, under an event, is
``events.activity_api``: activity knows no event)."""

from django.contrib.contenttypes.models import ContentType
from rest_framework import serializers

from activity.models import ActivityEntry


class ActivityEntrySerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField(help_text="`app_label.model` of the object, or null.")

    class Meta:
        model = ActivityEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
        ]
        read_only_fields = fields

    def get_object_type(self, entry) -> str | None:
        if entry.content_type_id is None:
            return None
        content_type = ContentType.objects.get_for_id(entry.content_type_id)  # cached
        return f"{content_type.app_label}.{content_type.model}"


class ActivityFilters(serializers.Serializer):
    type = serializers.RegexField(
        r"^[a-z_]{1,100}\.[a-z_]{1,100}$",
        required=False,
        help_text="Only entries about objects of this type (`app_label.model`, e.g. `events.track`).",
    )
    person = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, help_text="Only what this user (id) did."
    )

    def validate_type(self, value):
        app_label, model = value.split(".")
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if content_type is None:
            raise serializers.ValidationError("No such type.")
        return content_type

    def filter(self, entries):
        data = self.validated_data
        if "type" in data:
            entries = entries.filter(content_type=data["type"])
        if "person" in data:
            entries = entries.filter(actor_id=data["person"])
        return entries
