from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect

from events import services
from events.currencies import CURRENCY_CHOICES
from events.forms import ImageUploadField
from events.models import Event, Microlocation, Session, Speaker, Sponsor, Track

# Images uploaded in the admin go through the same pipeline as everywhere else
# (events.images.process_image): sniffed, bounded, re-encoded without metadata.
IMAGE_UPLOADS = {models.ImageField: {"form_class": ImageUploadField}}


class EventOwnedAdmin(admin.ModelAdmin):
    """The super admin's pages for an event's resources: saved and deleted through
    events.services, as pages and the API do (validated, counted in the ETags, logged in
    the activity log as the super admin's)."""

    formfield_overrides = IMAGE_UPLOADS
    list_filter = ["event"]
    list_select_related = ["event"]
    readonly_fields = ["version"]

    def save_model(self, request, obj, form, change):
        services.save_resource(obj, actor=request.user)

    def delete_model(self, request, obj):
        services.delete_resource(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_resource(obj, actor=request.user)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Events are created, changed and deleted through events.services, as on the site:
    validated, logged as the super admin's; a new one has them as its Organizer (an
    event always has one: ``create_event``)."""

    list_display = ["name", "state", "starts_at", "location", "created_by"]
    list_filter = ["state"]
    search_fields = ["name", "slug", "location"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = IMAGE_UPLOADS
    readonly_fields = ["created_by", "created_at", "updated_at", "event_ver"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "currency":  # a list on the form, not in the model (events.currencies)
            return forms.ChoiceField(choices=CURRENCY_CHOICES, initial=db_field.default)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        # Publishing is publish_event's (the event must be complete), as in the API.
        publish = data.get("state") == Event.State.PUBLISHED and (not change or "state" in form.changed_data)
        if not change:
            fields = {name: data[name] for name in services.EVENT_FIELDS if name in data and name != "state"}
            if data.get("background_image"):
                fields["background_image"] = data["background_image"]
            stored = services.create_event(request.user, actor=request.user, **fields)
            obj.pk = stored.pk
        else:
            stored = Event.objects.get(pk=obj.pk)  # obj holds the form's values already
            fields = {name: data[name] for name in form.changed_data if name in services.EVENT_FIELDS}
            if publish:
                del fields["state"]
            services.update_event(stored, actor=request.user, **fields)
            if "background_image" in form.changed_data:
                image = data["background_image"]
                if image:
                    services.set_background_image(stored, image.read(), actor=request.user)
                else:
                    services.remove_background_image(stored, actor=request.user)
        if publish:
            services.publish_event(stored, actor=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A refusal of the services (an incomplete event published): the message, nothing saved."""
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        services.delete_event(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for event in queryset:
            services.delete_event(event, actor=request.user)


@admin.register(Track)
class TrackAdmin(EventOwnedAdmin):
    list_display = ["name", "event", "color", "location"]
    formfield_overrides = {**EventOwnedAdmin.formfield_overrides, models.URLField: {"assume_scheme": "https"}}


@admin.register(Microlocation)
class MicrolocationAdmin(EventOwnedAdmin):
    list_display = ["name", "event", "floor"]


@admin.register(Speaker)
class SpeakerAdmin(EventOwnedAdmin):
    list_display = ["name", "event", "organisation"]
    search_fields = ["name", "email"]


@admin.register(Sponsor)
class SponsorAdmin(EventOwnedAdmin):
    list_display = ["name", "event", "level"]


@admin.register(Session)
class SessionAdmin(EventOwnedAdmin):
    list_display = ["title", "event", "track", "starts_at", "ends_at"]
    filter_horizontal = ["speakers"]

    # Saved with its speakers through events.services.save_resource, as pages and the API
    # do (its speakers are told when it moves): save_related, once the form's speakers are known.
    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        services.save_resource(form.instance, actor=request.user, speakers=list(form.cleaned_data["speakers"]))
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
