"""The order form of an event's public page: a quantity per ticket on sale (and an
amount for donations), the buyer's name and e-mail. It only maps the page's fields to
``orders.services.place_order``'s lines; the rules are the service's."""

from django import forms

from core.forms import BootstrapFormMixin
from orders.services import MAX_QUANTITY, NAME_MAX, Line, with_held
from tickets.models import Ticket


def quantity_field(ticket):
    return f"quantity_{ticket.pk}"


def amount_field(ticket):
    return f"amount_{ticket.pk}"


class OrderForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Your name")
    email = forms.EmailField(label="Your e-mail address", help_text="Your order's link is sent here.")

    def __init__(self, *args, tickets=(), available=None, **kwargs):
        super().__init__(*args, **kwargs)
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
    tickets = list(with_held(event.tickets.on_sale()))
    return OrderForm(data, tickets=tickets, available={t.pk: max(0, t.quantity - t.held) for t in tickets})
