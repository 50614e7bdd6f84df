"""The matrix's ``event`` and ``ticket`` rows (issue 13), walked over HTTP through the pages
that serve them: the dashboard's overview, settings and delete pages, the wizard's details
and publish pages (the event) and the wizard's tickets page (its tickets).

For each kind of person and each operation the pages answer as the rows in the database
say: allowed (the page works and the data changes), 403 (nothing changes), 404 (a draft,
for someone without a role) or the log-in page. Then the super admin flips every cell in
the admin grid, and the same walk follows the new matrix. (The event's read is every
role's whatever its cell says: ``permissions.resources.IMPLIED_FOR_EVERY_ROLE``.)
"""

import pytest
from django.urls import reverse

from events.models import Event
from permissions import resources
from permissions.models import Permission
from permissions.services import grant_role
from tests.events.pages import local
from tests.factories import TicketFactory
from tests.permissions.utils import (
    ALLOWED,
    FORBIDDEN,
    LOG_IN,
    NOT_FOUND,
    current_flags,
    inverted,
    outcome,
    post_matrix,
)
from tests.tickets.formsets import formset_data, free, stored_rows
from tests.utils import WHO
from tickets.models import Ticket


def expected(who, resource, operation):
    if who == "anonymous":
        return LOG_IN
    if who == "super_admin":
        return ALLOWED
    if who == "admin":
        return ALLOWED if operation == "read" else FORBIDDEN
    if who == "no_role":
        return NOT_FOUND
    if (resource, operation) in resources.IMPLIED_FOR_EVERY_ROLE:
        return ALLOWED
    row = Permission.objects.get(role__name=who, service__name=resource)
    return ALLOWED if getattr(row, f"can_{operation}") else FORBIDDEN


def settings_data(event, **overrides):
    return {
        "name": event.name,
        "description": event.description,
        "location": event.location,
        "starts_at": local(event, event.starts_at),
        "ends_at": local(event, event.ends_at),
        "timezone": event.timezone,
        "currency": event.currency,
        **overrides,
    }


def fresh_event(make_event, organizer, person, who):
    """Another draft where ``person`` is what they are in the walk's event (deleting one
    event per walk)."""
    other = make_event(organizer, name="To delete")
    if who not in ("organizer", "anonymous", "super_admin", "admin", "no_role"):
        grant_role(other, person, who)
    return other


def walk_event(client, event, operation, another_event):
    if operation == "read":
        urls = [
            reverse("events:dashboard", args=[event.pk]),
            reverse("events:settings", args=[event.pk]),
            reverse("events:wizard-details", args=[event.pk]),
            reverse("events:wizard-publish", args=[event.pk]),
        ]
        return outcome([client.get(url) for url in urls], None)
    if operation == "update":
        name = f"Walked {Event.objects.get(pk=event.pk).event_ver}"
        stored = Event.objects.get(pk=event.pk)
        responses = [
            client.post(reverse("events:settings", args=[event.pk]), settings_data(stored, name=name)),
            client.post(reverse("events:wizard-details", args=[event.pk]), settings_data(stored, name=name + "!")),
        ]
        return outcome(responses, Event.objects.get(pk=event.pk).name == name + "!")
    target = another_event()
    url = reverse("events:delete", args=[target.pk])
    # The confirmation page needs the right to delete too (it offers nothing else).
    responses = [client.get(url), client.post(url, {"confirm_name": target.name})]
    return outcome(responses, not Event.objects.filter(pk=target.pk).exists())


def walk_ticket(client, event, operation):
    url = reverse("tickets:wizard", args=[event.pk])
    existing = TicketFactory(event=event, name=f"Stored {Ticket.objects.count()}")
    before = sorted(Ticket.objects.filter(event=event).values_list("pk", "name", "version"))
    rows = stored_rows(event)
    if operation == "read":
        return outcome([client.get(url)], None)
    if operation == "create":
        rows.append(free(name=f"Walked in {len(rows)}"))
    elif operation == "update":
        next(row for row in rows if row["id"] == existing.pk)["name"] = f"Walked over {existing.pk}"
    else:
        next(row for row in rows if row["id"] == existing.pk)["DELETE"] = True
    response = client.post(url, formset_data(rows, initial=len(before)))
    after = sorted(Ticket.objects.filter(event=event).values_list("pk", "name", "version"))
    return outcome([response], before != after)


@pytest.mark.django_db
@pytest.mark.parametrize("operation", resources.operations(resources.EVENT))
@pytest.mark.parametrize("who", WHO)
def test_the_event_pages_follow_the_matrix(
    client, person_as, super_admin_client, event, organizer, make_event, who, operation
):
    person = person_as(who)
    if person is not None:
        client.force_login(person)

    def another_event():
        return fresh_event(make_event, organizer, person, who)

    assert walk_event(client, event, operation, another_event) == expected(who, "event", operation)
    response = post_matrix(super_admin_client, inverted(current_flags()))
    assert response.status_code == 302
    assert walk_event(client, event, operation, another_event) == expected(who, "event", operation)


@pytest.mark.django_db
@pytest.mark.parametrize("operation", resources.operations(Ticket.resource_name))
@pytest.mark.parametrize("who", WHO)
def test_the_tickets_page_follows_the_matrix(client, person_as, super_admin_client, event, who, operation):
    person = person_as(who)
    if person is not None:
        client.force_login(person)
    assert walk_ticket(client, event, operation) == expected(who, "ticket", operation)
    response = post_matrix(super_admin_client, inverted(current_flags()))
    assert response.status_code == 302
    assert walk_ticket(client, event, operation) == expected(who, "ticket", operation)
