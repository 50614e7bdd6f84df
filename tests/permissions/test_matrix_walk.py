"""The whole permission matrix, walked over HTTP through the organizer dashboard.

For each kind of person, each service and each operation, the dashboard page answers
as the matrix in the database says: allowed (the page works and the data changes),
403 (nothing changes), 404 (the event, a draft, is not there for someone without a
role in it), or the log-in page. Then the super admin flips every cell of the
matrix in the admin grid, and the same walk follows the new matrix.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from events.models import DASHBOARD_RESOURCES as RESOURCES
from events.models import RESOURCE_MODELS, Microlocation, Speaker, Sponsor, Track
from permissions.checks import OPERATIONS
from permissions.models import Permission
from tests.events.pages import local
from tests.factories import SessionFactory
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
from tests.utils import WHO


def expected(who, service, operation):
    """What the walk should meet, from the system roles and the matrix rows in the database."""
    if who == "anonymous":
        return LOG_IN
    if who == "super_admin":
        return ALLOWED
    if who == "admin":
        return ALLOWED if operation == "read" else FORBIDDEN
    if who == "no_role":
        return NOT_FOUND  # the event is a draft (permissions.checks.hides_event)
    row = Permission.objects.get(role__name=who, service__name=service)
    return ALLOWED if getattr(row, f"can_{operation}") else FORBIDDEN


def form_data(service, event, name):
    """A valid form for ``service``, naming the object ``name``."""
    if service == "session":
        starts = event.starts_at + timedelta(hours=1)
        return {"title": name, "starts_at": local(event, starts), "ends_at": local(event, starts + timedelta(hours=1))}
    if service == "track":
        return {"name": name, "color": "#123456"}
    return {"name": name}


def make_object(service, event):
    if service == "session":
        return SessionFactory(event=event, title="Target", hours=2)
    model = {"track": Track, "speaker": Speaker, "sponsor": Sponsor, "microlocation": Microlocation}[service]
    return model.objects.create(event=event, name=f"Target {model.objects.count()}")


def walk(client, event, service, operation):
    """Do ``operation`` on ``service`` through its dashboard pages, as a person would:
    create = the form, then a POST; read = the list; update = the edit form, then a
    POST; delete = the confirmation page, then a POST."""
    model = RESOURCE_MODELS[service]
    target = make_object(service, event)

    def url(page, *args):
        return reverse(f"events:{service}-{page}", args=[event.pk, *args])

    if operation == "read":
        return outcome([client.get(url("list"))], None)
    if operation == "create":
        before = model.objects.filter(event=event).count()
        name = f"Walked in {before}"  # names are unique in an event
        responses = [client.get(url("create")), client.post(url("create"), form_data(service, event, name))]
        return outcome(responses, model.objects.filter(event=event).count() == before + 1)
    if operation == "update":
        responses = [
            client.get(url("update", target.pk)),
            client.post(url("update", target.pk), form_data(service, event, f"Walked over {target.pk}")),
        ]
        target.refresh_from_db()
        return outcome(responses, str(target) == f"Walked over {target.pk}")
    responses = [client.get(url("delete", target.pk)), client.post(url("delete", target.pk))]
    return outcome(responses, not model.objects.filter(pk=target.pk).exists())


@pytest.mark.django_db
@pytest.mark.parametrize("service", RESOURCES)
@pytest.mark.parametrize("who", WHO)
def test_dashboard_follows_the_matrix(client, person_as, super_admin_client, event, who, service):
    """Every operation on ``service``, walked as ``who``; then the super admin flips every
    cell of the grid (one POST serves the four operations) and the walks follow."""
    person = person_as(who)
    if person is not None:
        client.force_login(person)

    def walk_every_operation():
        """({operation: what the walk met}, {operation: what the matrix says})."""
        met = {operation: walk(client, event, service, operation) for operation in OPERATIONS}
        return met, {operation: expected(who, service, operation) for operation in OPERATIONS}

    met, matrix_says = walk_every_operation()
    assert met == matrix_says

    # The super admin flips every cell in the admin grid; the next requests follow.
    response = post_matrix(super_admin_client, inverted(current_flags()))
    assert response.status_code == 302
    met, matrix_says = walk_every_operation()
    assert met == matrix_says
