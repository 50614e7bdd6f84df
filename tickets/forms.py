"""The tickets of an event as one inline formset (prefix ``tickets``), for the wizard.

One form per ticket; its rules are the model's (``Ticket.clean``), so the admin and
the pages agree. The rules of all rows at once (names unique within the event ignoring
case, a published event keeping at least one ticket) are the service's
(``tickets.services.check_ticket_set``): the formset only maps its rows to tickets
(``tickets()``, ``deleted_ids()``) for ``tickets.services.save_tickets`` and the
service's errors back to rows (``add_save_error``). It runs the same check when it is
validated, so that a page shows every error at once.

Date and time fields are read and shown in the current time zone; the wizard sets it
to the event's own.
"""

import copy

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from core.forms import BootstrapFormMixin, datetime_input
from events.models import Event
from tickets.models import Ticket
from tickets.services import DEFAULT_MAX_ORDER, MAX_TICKETS, InvalidTickets, check_ticket_set, default_max_order


class TicketForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Ticket
        fields = Ticket.EDITABLE_FIELDS
        widgets = {
            "type": forms.HiddenInput,
            "price": forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
            "quantity": forms.NumberInput(attrs={"min": "1"}),
            "description": forms.Textarea(attrs={"rows": 2}),
            "sales_starts_at": datetime_input(),
            "sales_ends_at": datetime_input(),
            "min_order": forms.NumberInput(attrs={"min": "1"}),
            "max_order": forms.NumberInput(attrs={"min": "1"}),
        }
        labels = {
            "name": "Ticket name",
            "sales_starts_at": "Sales start",
            "sales_ends_at": "Sales end",
            "min_order": "Minimum per order",
            "max_order": "Maximum per order",
            "hidden": "Hide this ticket from the public page",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["maxlength"] = Ticket._meta.get_field("name").max_length
        self.fields["min_order"].required = False
        self.fields["max_order"].required = False
        self.fields["min_order"].widget.attrs["placeholder"] = "1"
        self.fields["max_order"].widget.attrs["placeholder"] = f"{DEFAULT_MAX_ORDER} or the quantity, if fewer"
        if self.instance._state.adding:
            # A new row starts blank: the minimum then is 1 and the maximum follows the
            # quantity (clean), so a ticket of five seats is not refused for the default
            # maximum of ten; and a row left untouched counts as unchanged (ignored).
            for name in ("min_order", "max_order"):
                self.initial.pop(name, None)
                self.fields[name].initial = None  # the model's default, otherwise

    def _read_sent_to_disabled_fields(self):
        """Django keeps a disabled (read-only) field's initial value whatever is sent; a
        value sent for it anyway that differs is what the request asks for: parsed like
        any field's, so the save sees the change and says whether the role may make it
        (``tickets.services.save_tickets``). A field a browser left out (it sends no
        disabled input) is unchanged."""
        for name, field in self.fields.items():
            if not field.disabled or name not in Ticket.EDITABLE_FIELDS or self.add_prefix(name) not in self.data:
                continue
            enabled = copy.copy(field)
            enabled.disabled = False
            sent = enabled.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            if not enabled.has_changed(self.get_initial_for_field(field, name), sent):
                continue
            try:
                self.cleaned_data[name] = enabled.clean(sent)
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except ValidationError as error:
                self.add_error(name, error)

    def clean_min_order(self):
        value = self.cleaned_data.get("min_order")
        return 1 if value is None else value

    def clean(self):
        self._read_sent_to_disabled_fields()
        cleaned = super().clean()
        if cleaned.get("max_order") is None and "max_order" not in self.errors:
            cleaned["max_order"] = default_max_order(cleaned.get("min_order"), cleaned.get("quantity"))
        return cleaned

    def _post_clean(self):
        # A field that already failed its own validation keeps only that message: the
        # model's rules saw no value for it and would only add a confusing second one.
        failed = {name: len(errors) for name, errors in self._errors.items()}
        super()._post_clean()
        for name, count in failed.items():
            if name in self._errors:
                del self._errors[name][count:]

    @property
    def ticket_type(self):
        """The type as submitted or stored, for showing the row (the field is hidden)."""
        value = self["type"].value()
        return value if value in Ticket.Type.values else ""

    @property
    def shows_details(self):
        """Open the row's details when one of them has an error."""
        return any(name in self.errors for name in DETAIL_FIELDS)


DETAIL_FIELDS = ("description", "sales_starts_at", "sales_ends_at", "min_order", "max_order", "hidden")


class ExistingTicketField(forms.ModelChoiceField):
    """The hidden id of a stored ticket's row, found among the formset's tickets.

    Django's own field asks the database once per row and accepts any ticket; this one
    looks in the formset's queryset (one query for all rows) and so refuses another
    event's ticket, or one deleted since the page was shown, like an unknown choice.
    """

    default_error_messages = {
        "invalid_choice": "This ticket no longer exists (someone may have deleted it). Reload the page.",
    }

    def __init__(self, formset, **kwargs):
        self.formset = formset
        super().__init__(queryset=formset.get_queryset(), required=False, widget=forms.HiddenInput, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        ticket = self.formset.tickets_by_id().get(str(value))
        if ticket is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return ticket


class BaseTicketFormSet(forms.BaseInlineFormSet):
    """The tickets of one event (``instance``), in their order (``Ticket.Meta.ordering``;
    Django's ``get_queryset`` keeps it and reads the tickets once)."""

    def __init__(self, data=None, files=None, instance=None, **kwargs):
        kwargs.setdefault("prefix", "tickets")
        if instance is not None and instance.pk is not None:
            kwargs.setdefault("queryset", Ticket.objects.for_event(instance))
        super().__init__(data, files, instance=instance, **kwargs)

    def tickets_by_id(self):
        if not hasattr(self, "_tickets_by_id"):
            self._tickets_by_id = {str(ticket.pk): ticket for ticket in self.get_queryset()}
        return self._tickets_by_id

    def _existing_object(self, pk):
        return self.tickets_by_id().get(str(pk))

    def add_fields(self, form, index):
        super().add_fields(form, index)
        pk_name = self.model._meta.pk.name
        initial = form.fields[pk_name].initial
        form.fields[pk_name] = ExistingTicketField(self, initial=initial)

    def kept_forms(self):
        """The rows that will be tickets after saving: stored ones not deleted, new ones filled in."""
        return [
            form
            for form in self.forms
            if not (self.is_bound and self._should_delete_form(form))
            and (form.instance.pk is not None or form.has_changed())
        ]

    def tickets(self):
        """The event's tickets after saving, in order, for ``save_tickets`` (call it once the
        formset is valid): each row's ticket with the row's values."""
        return [form.instance for form in self.kept_forms()]

    def deleted_ids(self):
        """The stored tickets whose rows are marked for deletion: id → version as read."""
        return {form.instance.pk: form.instance.version for form in self.deleted_forms if form.instance.pk is not None}

    def clean(self):
        """The service's check of the rows together (``check_ticket_set``), with the
        tickets as read, so the page shows these errors along with the rows' own;
        ``save_tickets`` checks again, holding the event's lock."""
        super().clean()
        kept = self.kept_forms()
        listed = {form.instance.pk for form in self.initial_forms if form.instance.pk is not None}
        others = [ticket for ticket in self.tickets_by_id().values() if ticket.pk not in listed]
        tickets = []
        for form in kept:
            ticket = form.instance
            if form.has_error("name"):  # the ticket still has the name it had: compare none
                ticket = copy.copy(ticket)
                ticket.name = ""
            tickets.append(ticket)
        try:
            check_ticket_set(self.instance, tickets, others)
        except InvalidTickets as error:
            self._show_on_rows(error, kept)
            if error.set_errors:
                raise ValidationError(error.set_errors) from None

    def add_save_error(self, error):
        """Show an error of ``save_tickets``: a row's on the row, the others above the rows."""
        self.non_form_errors()  # computes them first
        if isinstance(error, InvalidTickets):
            self._show_on_rows(error, self.kept_forms())
            self._non_form_errors.extend(error.set_errors)
        else:
            self._non_form_errors.extend(error.messages)  # a ValidationError's, or a Conflict's

    @staticmethod
    def _show_on_rows(error, kept):
        """``error.rows`` (keyed by the index among ``kept``) on the rows' fields; a field
        that already has an error keeps only that one."""
        for index, fields in error.rows.items():
            form = kept[index]
            for field, messages in fields.items():
                if field != NON_FIELD_ERRORS and field not in form.fields:
                    field = NON_FIELD_ERRORS
                if not form.has_error(field):
                    form.add_error(None if field == NON_FIELD_ERRORS else field, messages)


TicketFormSet = forms.inlineformset_factory(
    Event,
    Ticket,
    form=TicketForm,
    formset=BaseTicketFormSet,
    extra=0,
    can_delete=True,
    can_delete_extra=False,
    max_num=MAX_TICKETS,
    validate_max=True,
    absolute_max=MAX_TICKETS,
)
