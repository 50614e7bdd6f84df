"""The matrix's ``event`` and ``ticket`` rows (issue 13), walked over the API with token
authentication: ``/api/v1/events/<id>/`` (read, update, delete) and
``/api/v1/events/<id>/tickets/`` (create, read, update, delete) answer as the rows in the
database say, and a refused write changes nothing. Then every cell is flipped in the
admin grid and the walk follows.
"""

import pytest
from django.test import Client
from django.urls import reverse

from events.models import Event
from permissions import resources
from permissions.models import Permission
from permissions.services import grant_role
from tests.factories import TicketFactory
from tests.permissions.utils import current_flags, inverted, post_matrix
from tests.utils import WHO
from tickets.models import Ticket

ALLOWED_STATUS = {"create": 201, "read": 200, "update": 200, "delete": 204}


def expected_status(who, resource, operation):
    if who == "anonymous":
        return 404 if operation == "read" else 401  # a draft is not there; writing needs a log-in
    if who == "no_role":
        return 404  # the event is a draft
    if who == "super_admin":
        allowed = True
    elif who == "admin":
        allowed = operation == "read"
    elif (resource, operation) in resources.IMPLIED_FOR_EVERY_ROLE:
        allowed = True
    else:
        allowed = getattr(Permission.objects.get(role__name=who, service__name=resource), f"can_{operation}")
    return ALLOWED_STATUS[operation] if allowed else 403


def event_state(pk):
    return list(Event.objects.filter(pk=pk).values())


def walk_event(client, event, operation, another_event):
    url = reverse("api:event-detail", args=[event.pk])
    if operation == "read":
        return client.get(url).status_code, False
    if operation == "update":
        before = event_state(event.pk)
        response = client.patch(url, {"location": f"Walked {before[0]['event_ver']}"}, format="json")
        return response.status_code, event_state(event.pk) != before
    target = another_event()
    response = client.delete(reverse("api:event-detail", args=[target.pk]))
    return response.status_code, not Event.objects.filter(pk=target.pk).exists()


def tickets_state(event):
    return list(Ticket.objects.filter(event=event).order_by("pk").values())


def walk_ticket(client, event, operation):
    target = TicketFactory(event=event, name=f"Target {Ticket.objects.count()}")
    list_url = reverse("api:ticket-list", args=[event.pk])
    detail_url = reverse("api:ticket-detail", args=[event.pk, target.pk])
    before = tickets_state(event)
    if operation == "create":
        response = client.post(list_url, {"type": "free", "name": f"New {len(before)}", "quantity": 5}, format="json")
    elif operation == "read":
        response = client.get(list_url)
        assert client.get(detail_url).status_code == response.status_code
    elif operation == "update":
        response = client.patch(detail_url, {"name": f"Changed {target.pk}"}, format="json")
    else:
        response = client.delete(detail_url)
    return response.status_code, tickets_state(event) != before


def check(status, changed, expected, operation):
    assert status == expected
    assert changed == (operation != "read" and expected == ALLOWED_STATUS[operation])


@pytest.mark.parametrize("operation", resources.operations(resources.EVENT))
@pytest.mark.parametrize("who", WHO)
def test_the_event_follows_the_matrix(
    who, operation, event, organizer, make_event, person_as, api_client, super_admin
):
    person = person_as(who)
    client = api_client(person)

    def another_event():
        other = make_event(organizer, name="To delete")
        if who not in ("organizer", "anonymous", "super_admin", "admin", "no_role"):
            grant_role(other, person, who)
        return other

    check(*walk_event(client, event, operation, another_event), expected_status(who, "event", operation), operation)
    grid = Client()
    grid.force_login(super_admin)
    assert post_matrix(grid, inverted(current_flags())).status_code == 302
    check(*walk_event(client, event, operation, another_event), expected_status(who, "event", operation), operation)


@pytest.mark.parametrize("operation", resources.operations(Ticket.resource_name))
@pytest.mark.parametrize("who", WHO)
def test_tickets_follow_the_matrix(who, operation, event, person_as, api_client, super_admin):
    client = api_client(person_as(who))
    check(*walk_ticket(client, event, operation), expected_status(who, "ticket", operation), operation)
    grid = Client()
    grid.force_login(super_admin)
    assert post_matrix(grid, inverted(current_flags())).status_code == 302
    check(*walk_ticket(client, event, operation), expected_status(who, "ticket", operation), operation)
