"""Form pieces every app's pages use: Bootstrap classes, and dates and times entered in
a chosen time zone (the event's) rather than the current one."""

from django import forms
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.validators import validate_datetime_range

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class BootstrapBoundField(BoundField):
    """A field whose input is marked ``is-invalid`` (Bootstrap's red border) while it has
    errors, whenever they were added (cleaning, or a service's refusal after it)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors and not widget.is_hidden:
            css = attrs.get("class", widget.attrs.get("class", ""))
            if "is-invalid" not in css.split():
                attrs["class"] = f"{css} is-invalid".strip()
        return attrs


class DatalistInput(forms.TextInput):
    """A text input that suggests its field's choices as the user types (a ``<datalist>``):
    a long list (the time zones) becomes searchable with no script. The field still
    accepts only its choices."""

    choices = ()

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "autocomplete": "off", "spellcheck": "false"}
        list_id = f"{attrs.get('id') or 'id_' + name}-options"
        attrs["list"] = list_id
        options = format_html_join("", '<option value="{}"></option>', ((key,) for key, _ in self.choices))
        return format_html(
            '{}<datalist id="{}">{}</datalist>', super().render(name, value, attrs, renderer), list_id, options
        )


class BootstrapFormMixin:
    """Gives each widget the Bootstrap 5 class its kind needs, and failing inputs
    ``is-invalid`` (templates/_field.html renders the error and help ids Django's
    ``aria-describedby`` points to)."""

    bound_field_class = BootstrapBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                css = ""
            elif isinstance(widget, forms.Select):
                css = "form-select"
            elif getattr(widget, "input_type", None) == "color":
                css = "form-control form-control-color"
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class ZonedDateTimeField(forms.DateTimeField):
    """A date and time entered and shown in ``zone`` (the event's) rather than in the
    current time zone. The form sets ``zone``; an unset one means the current zone."""

    zone = None
    # Checked here too, before the form converts the value to another zone.
    default_validators = [validate_datetime_range]

    def to_python(self, value):
        with timezone.override(self.zone or timezone.get_current_timezone()):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(self.zone or timezone.get_current_timezone()):
            return super().prepare_value(value)


def set_zone(form, zone):
    """Read and show ``form``'s ``ZonedDateTimeField`` values in ``zone``."""
    for field in form.fields.values():
        if isinstance(field, ZonedDateTimeField):
            field.zone = zone


def datetime_input():
    """The browser's date-and-time picker."""
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)
