"""The order form of an event's public page: a quantity per ticket on sale (and an
amount for donations), the buyer's name and e-mail. It only maps the page's fields to
``orders.services.place_order``'s lines; the rules are the service's.

It carries a one-time token (``once``, hidden): a random value signed with the time it
was made, valid ``FORM_TOKEN_MAX_AGE``. The first order placed with it records it
(``orders.services.place_order_once``); the same page sent again finds that order
instead of placing a second one."""

import copy
import secrets

from django import forms
from django.core import signing

from core.forms import BootstrapFormMixin
from core.validators import validate_email_characters, validate_single_line
from orders.models import SalesSettings
from orders.services import EMAIL_MAX, MAX_QUANTITY, NAME_MAX, Line, with_availability
from tickets.models import Ticket

FORM_TOKEN_SALT = "eventdesk.orders.form-token"  # noqa: S105 (a signing salt, not a secret)
#: A token older than this is refused (shorter than the 24 hours its record is kept, so a
#: token is never accepted again after its record is gone).
FORM_TOKEN_MAX_AGE = 12 * 3600
FORM_TOKEN_EXPIRED = "This form is too old or was not sent by this site: check the tickets and send it again."  # noqa: S105


def new_form_token():
    """A fresh one-time token for the order form."""
    return signing.TimestampSigner(salt=FORM_TOKEN_SALT).sign(secrets.token_urlsafe(16))


def quantity_field(ticket):
    return f"quantity_{ticket.pk}"


def amount_field(ticket):
    return f"amount_{ticket.pk}"


class OrderForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Your name", validators=[validate_single_line])
    email = forms.EmailField(
        max_length=EMAIL_MAX,
        label="Your e-mail address",
        help_text="Your order's link is sent here.",
        validators=[validate_email_characters],
    )
    once = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, tickets=(), available=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["once"].initial = new_form_token()
        self.tickets = list(tickets)
        available = available or {}
        self.rows = []
        for ticket in self.tickets:
            left = available.get(ticket.pk, ticket.quantity)
            quantity = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=MAX_QUANTITY,
                label=f"Quantity of {ticket.name}",
                widget=forms.NumberInput(attrs={"min": 0, "max": min(ticket.max_order, left), "inputmode": "numeric"}),
            )
            self.fields[quantity_field(ticket)] = quantity
            row = {"ticket": ticket, "available": left, "quantity": quantity_field(ticket)}
            if ticket.type == Ticket.Type.DONATION:
                self.fields[amount_field(ticket)] = forms.DecimalField(
                    required=False,
                    min_value=0,
                    max_digits=10,
                    decimal_places=2,
                    label=f"Donation for {ticket.name}",
                    widget=forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
                )
                row["amount"] = amount_field(ticket)
            self.rows.append(row)

    def clean_once(self):
        token = self.cleaned_data.get("once") or ""
        try:
            if len(token) > 200:
                raise signing.BadSignature()
            signing.TimestampSigner(salt=FORM_TOKEN_SALT).unsign(token, max_age=FORM_TOKEN_MAX_AGE)
        except signing.BadSignature:
            raise forms.ValidationError(FORM_TOKEN_EXPIRED, code="bad_token") from None
        return token

    def token(self):
        """The token the page carries: the one posted while it is good (not yet used for an
        order: the page again after a refusal), a fresh one otherwise."""
        if self.is_bound and not self.has_error("once"):
            return self.cleaned_data.get("once") or self.fields["once"].initial
        return self.fields["once"].initial

    def bound_rows(self):
        """The rows for the template: each ticket with its bound fields."""
        return [
            {
                **row,
                "quantity_field": self[row["quantity"]],
                "amount_field": self[row["amount"]] if "amount" in row else None,
            }
            for row in self.rows
        ]

    def lines(self):
        """The lines asked for (quantity given and not 0), for ``place_order``; with their
        tickets, to map the service's errors back to fields."""
        lines, tickets = [], []
        for ticket in self.tickets:
            quantity = self.cleaned_data.get(quantity_field(ticket))
            if not quantity:
                continue
            amount = self.cleaned_data.get(amount_field(ticket))
            if ticket.type == Ticket.Type.DONATION and amount is None:
                amount = 0  # an empty amount on the page: a donation of 0
            lines.append(Line(ticket.pk, quantity, amount))
            tickets.append(ticket)
        self.line_tickets = tickets
        return lines

    def add_service_errors(self, error):
        """``InvalidOrder``'s messages on the fields they concern."""
        for name, messages in error.fields.items():
            field = name if name in ("name", "email") else None
            for message in messages:
                self.add_error(field, message)
        for index, fields in error.lines.items():
            ticket = self.line_tickets[index]
            for name, messages in fields.items():
                field = amount_field(ticket) if name == "amount" else quantity_field(ticket)
                for message in messages:
                    self.add_error(field, f"{ticket.name}: {message}" if name == "ticket" else message)


def order_form_for(event, data=None):
    """The order form of ``event``: its tickets on sale, with what is left of each (one query)."""
    tickets = with_availability(event.tickets.on_sale())
    return OrderForm(data, tickets=tickets, available={ticket.pk: ticket.available for ticket in tickets})


class SalesSettingsForm(BootstrapFormMixin, forms.ModelForm):
    """The orders' section of the event's Settings page (``events.views.dashboard``'s
    ``add_settings_section``, in orders.apps), saved by ``services.set_sales_settings``."""

    title = "Orders"

    class Meta:
        model = SalesSettings
        fields = ["payment_instructions"]
        widgets = {"payment_instructions": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"payment_instructions": "Shown to buyers with every order waiting for payment (bank details…)."}

    def __init__(self, data=None, *, event):
        # A copy: the form's cleaning must not change the row the service compares with.
        super().__init__(data, instance=copy.copy(SalesSettings.of(event)))
