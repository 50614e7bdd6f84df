"""Forms of the organizer dashboard: the event's settings and its five resources (tracks, ...).

Dates and times are entered and shown in the event's time zone (``ZonedDateTimeField``).
"""

import zoneinfo
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from core.forms import (
    DATETIME_FORMAT,
    BootstrapFormMixin,
    DatalistInput,
    ZonedDateTimeField,
    datetime_input,
    set_zone,
)
from core.validators import DATETIME_RANGE_ERROR, validate_email_characters, validate_single_line
from events import images
from events.currencies import CURRENCY_CHOICES
from events.models import (
    RESOURCE_MODELS,
    Event,
    Microlocation,
    Session,
    Speaker,
    Sponsor,
    Track,
    timezone_choices,
)


class EventSettingsForm(BootstrapFormMixin, forms.ModelForm):
    """The event's own fields. Start and end are in the event's time zone: the one
    chosen in this form, so changing the zone keeps the wall-clock times entered."""

    timezone = forms.ChoiceField(
        choices=timezone_choices,
        label="Time zone",
        widget=DatalistInput(attrs={"placeholder": "Type a city: Europe/Berlin, America/New_York…"}),
        help_text="Type to search: a region and a city, or UTC.",
    )
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="EUR")

    class Meta:
        model = Event
        fields = [
            "name",
            "description",
            "location",
            "starts_at",
            "ends_at",
            "timezone",
            "currency",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "starts_at": datetime_input(),
            "ends_at": datetime_input(),
        }
        labels = {"starts_at": "Starts", "ends_at": "Ends"}
        field_classes = {"starts_at": ZonedDateTimeField, "ends_at": ZonedDateTimeField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = self.instance.tzinfo
        set_zone(self, self.zone)
        stored = self.instance.timezone
        if stored and (stored, stored) not in self.fields["timezone"].choices:
            # An event saved under an old name keeps it until someone picks another.
            self.fields["timezone"].choices = [(stored, stored), *self.fields["timezone"].choices]

    def clean(self):
        cleaned = super().clean()
        zone = cleaned.get("timezone")
        if zone:
            # The times were read in the event's stored zone; take the same wall-clock
            # times in the zone the form chose.
            chosen = zoneinfo.ZoneInfo(zone)
            for name in ("starts_at", "ends_at"):
                if cleaned.get(name):
                    try:
                        cleaned[name] = timezone.make_aware(timezone.make_naive(cleaned[name], self.zone), chosen)
                    except (OverflowError, ValueError):
                        # The model's validator refuses what does not fit; this is only
                        # what cannot even be converted.
                        self.add_error(name, DATETIME_RANGE_ERROR)
        return cleaned


class DeleteEventForm(BootstrapFormMixin, forms.Form):
    """Deleting an event asks for its name, typed again."""

    confirm_name = forms.CharField(
        label="Type the event's name to confirm", max_length=Event._meta.get_field("name").max_length
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event

    def clean_confirm_name(self):
        value = self.cleaned_data["confirm_name"]
        if value.strip() != self.event.name.strip():
            raise forms.ValidationError("This is not the event's name.")
        return value


def _no_choices_yet(db_field, **kwargs):
    """The form field of a model field; a relation's choices are none until the form is
    made for an event (the class is built at import, outside any event's scope, where a
    per-event model's query raises ``ScopeError``)."""
    if db_field.is_relation:
        kwargs.setdefault("queryset", db_field.related_model._default_manager.none())
    return db_field.formfield(**kwargs)


class EventResourceForm(BootstrapFormMixin, forms.ModelForm):
    """A form for one of an event's resources (a track, ...). Choices of other event-owned objects
    (a session's track, room and speakers) are limited to the same event, so an id
    from another event is refused like any unknown choice."""

    class Meta:  # a subclass's Meta with relations inherits it
        formfield_callback = _no_choices_yet

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        set_zone(self, event.tzinfo)
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and any(f.name == "event" for f in queryset.model._meta.fields):
                field.queryset = queryset.model._default_manager.filter(event=event)


class TrackForm(EventResourceForm):
    track_image_url = forms.URLField(
        label="Image URL",
        required=False,
        max_length=Track._meta.get_field("track_image_url").max_length,
        assume_scheme="https",
        help_text="The address of the track's image on the web (http or https).",
    )

    class Meta:
        model = Track
        fields = ["name", "color", "description", "location", "track_image_url"]
        widgets = {
            "color": forms.TextInput(attrs={"type": "color"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"location": "Where in the venue the track takes place."}


class MicrolocationForm(EventResourceForm):
    class Meta:
        model = Microlocation
        fields = ["name", "floor", "latitude", "longitude"]
        labels = {"name": "Room"}


class ImageUploadField(forms.FileField):
    """An uploaded image (a speaker's photo, a sponsor's logo), through the same pipeline
    as the background image (``events.images.process_image``): the type is sniffed from
    the bytes (PNG, JPEG or WebP; the file's name is ignored), the size and pixel limits
    apply, and what is kept is the image re-encoded, without its metadata or anything
    appended to it, under an unguessable name. Refusals are the field's errors."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))
        super().__init__(**kwargs)

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        try:
            processed = images.process_image(images.read_upload(upload, max_bytes=settings.EVENTDESK_IMAGE_MAX_BYTES))
        except images.InvalidImage as invalid:
            raise forms.ValidationError(str(invalid), code="invalid_image") from None
        except images.ImagesBusy as busy:
            raise forms.ValidationError(str(busy), code="busy") from None
        return ContentFile(processed.content, name=processed.storage_name())


class SpeakerForm(EventResourceForm):
    photo = ImageUploadField(required=False, label="Photo")

    class Meta:
        model = Speaker
        fields = ["name", "email", "organisation", "bio", "photo"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}


class SponsorForm(EventResourceForm):
    url = forms.URLField(label="Web site", required=False, max_length=200, assume_scheme="https")
    logo = ImageUploadField(required=False, label="Logo")

    class Meta:
        model = Sponsor
        fields = ["name", "url", "level", "logo"]


class SessionForm(EventResourceForm):
    class Meta(EventResourceForm.Meta):
        model = Session
        fields = ["title", "abstract", "track", "microlocation", "speakers", "starts_at", "ends_at"]
        widgets = {
            "abstract": forms.Textarea(attrs={"rows": 4}),
            # A searchable multi-select in the browser (static/js/searchable-select.js).
            "speakers": forms.SelectMultiple(
                attrs={"data-searchable-select": "", "data-placeholder": "Find a speaker…"}
            ),
            "starts_at": datetime_input(),
            "ends_at": datetime_input(),
        }
        labels = {"microlocation": "Room", "starts_at": "Starts", "ends_at": "Ends"}
        field_classes = {"starts_at": ZonedDateTimeField, "ends_at": ZonedDateTimeField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The pickers open on the event's days, and say which time zone they are in.
        zone = self.event.tzinfo
        for name in ("starts_at", "ends_at"):
            widget = self.fields[name].widget
            for attr, moment in (("min", self.event.starts_at), ("max", self.event.ends_at)):
                if moment:
                    minute = moment.replace(second=0, microsecond=0)
                    if attr == "min" and minute < moment:  # the pickers count in whole minutes
                        minute += timedelta(minutes=1)
                    widget.attrs[attr] = timezone.localtime(minute, zone).strftime(DATETIME_FORMAT)
            self.fields[name].help_text = f"In the event's time zone, {self.event.timezone}."


# The form of each of the event's resources, by name (permissions.resources), in order.
RESOURCE_FORMS = {
    model.resource_name: form
    for model in RESOURCE_MODELS.values()
    for form in (TrackForm, SessionForm, SpeakerForm, SponsorForm, MicrolocationForm)
    if form._meta.model is model
}


class SpeakerInviteForm(BootstrapFormMixin, forms.Form):
    """Invite someone to speak at a session, by e-mail (``events.speakers.invite_speaker``)."""

    email = forms.EmailField(label="E-mail address", max_length=254, validators=[validate_email_characters])
    name = forms.CharField(label="Name (optional)", max_length=150, required=False, validators=[validate_single_line])
