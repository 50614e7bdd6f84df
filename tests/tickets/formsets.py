"""The wizard's tickets formset as a browser posts it: rows of tickets, and the stored ones read back."""

from tickets.forms import TicketFormSet
from tickets.services import save_tickets

LOCAL = "%Y-%m-%dT%H:%M"


def formset_data(rows, initial=0):
    """POST data of the formset: ``rows`` are dicts of field values (True → a checked box)."""
    data = {
        "tickets-TOTAL_FORMS": str(len(rows)),
        "tickets-INITIAL_FORMS": str(initial),
        "tickets-MIN_NUM_FORMS": "0",
        "tickets-MAX_NUM_FORMS": "500",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            if value is True:
                data[f"tickets-{index}-{name}"] = "on"
            elif value is not False and value is not None:
                data[f"tickets-{index}-{name}"] = str(value)
    return data


def stored_rows(event):
    """A stored ticket as the form sends it back unchanged."""
    rows = []
    for ticket in event.tickets.all():
        rows.append(
            {
                "id": ticket.pk,
                "type": ticket.type,
                "name": ticket.name,
                "price": ticket.price,
                "quantity": ticket.quantity,
                "description": ticket.description,
                "min_order": ticket.min_order,
                "max_order": ticket.max_order,
                "hidden": ticket.hidden,
            }
        )
    return rows


def free(name="Community", **extra):
    return {"type": "free", "name": name, "quantity": 100, **extra}


def paid(name="Regular", price="25.00", **extra):
    return {"type": "paid", "name": name, "price": price, "quantity": 50, **extra}


def donation(name="Supporter", **extra):
    return {"type": "donation", "name": name, "quantity": 20, **extra}


def bind(event, rows, initial=0):
    return TicketFormSet(formset_data(rows, initial), instance=event)


def save_formset(event, formset):
    """What the wizard's view does with a valid formset."""
    return save_tickets(event, formset.tickets(), formset.deleted_ids())


def save(event, rows, initial=0):
    formset = bind(event, rows, initial)
    assert formset.is_valid(), (formset.errors, formset.non_form_errors())
    return save_formset(event, formset)
