"""The whole permission matrix, walked over the API with token authentication.

For each kind of person (the four roles, no role, anonymous, admin, super admin), each
of the five services and each operation, the API answers as the matrix rows in the
database say: allowed (201 / 200 / 200 / 204, and the data changes), 403 (nothing
changes), 404 (no role: the event, a draft, is not there for them) or 401 (anonymous).
Then the matrix is changed and the walk follows it.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from events.models import DASHBOARD_RESOURCES as RESOURCES
from events.models import RESOURCE_MODELS
from permissions.checks import OPERATIONS
from permissions.models import Permission
from tests.factories import SessionFactory
from tests.utils import WHO

ALLOWED_STATUS = {"create": 201, "read": 200, "update": 200, "delete": 204}


def expected_status(who, service, operation):
    """What the API should answer, from the system roles and the matrix rows in the database."""
    if who == "anonymous":
        return 404 if operation == "read" else 401  # reading a draft: not there; writing: log in first
    if who == "super_admin":
        allowed = True
    elif who == "admin":
        allowed = operation == "read"
    elif who == "no_role":
        return 404  # the event is a draft (permissions.checks.hides_event)
    else:
        allowed = getattr(Permission.objects.get(role__name=who, service__name=service), f"can_{operation}")
    return ALLOWED_STATUS[operation] if allowed else 403


def payload(service, event, name):
    if service == "session":
        starts = event.starts_at + timedelta(hours=3)
        return {"title": name, "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat()}
    return {"name": name}


def make_target(service, event):
    if service == "session":
        return SessionFactory(event=event, title="Target")
    model = RESOURCE_MODELS[service]
    return model.objects.create(event=event, name=f"Target {model.objects.count()}")  # names are unique


def label(obj):
    return obj.title if hasattr(obj, "title") else obj.name


def walk(client, event, service, operation):
    """Do ``operation`` on ``service`` through the API; return (status, did the data change)."""
    model = RESOURCE_MODELS[service]
    target = make_target(service, event)
    list_url = reverse(f"api:{service}-list", args=[event.pk])
    detail_url = reverse(f"api:{service}-detail", args=[event.pk, target.pk])
    before = sorted(model.objects.filter(event=event).values_list("pk", "version"))
    if operation == "create":
        response = client.post(list_url, payload(service, event, f"Created {len(before)}"), format="json")
    elif operation == "read":
        response = client.get(list_url, {"page_size": 500})
        detail = client.get(detail_url)
        assert detail.status_code == response.status_code
        if response.status_code == 200:
            assert target.pk in [row["id"] for row in response.json()["results"]]
            assert detail.json()["id"] == target.pk
    elif operation == "update":
        field = "title" if service == "session" else "name"
        response = client.patch(detail_url, {field: f"Changed {target.pk}"}, format="json")
        if response.status_code == 200:
            target.refresh_from_db()
            assert label(target) == f"Changed {target.pk}"
    else:
        response = client.delete(detail_url)
    after = sorted(model.objects.filter(event=event).values_list("pk", "version"))
    return response.status_code, before != after


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("service", RESOURCES)
@pytest.mark.parametrize("who", WHO)
def test_matrix_over_the_api(who, service, operation, event, person_as, api_client):
    client = api_client(person_as(who))
    status, changed = walk(client, event, service, operation)
    expected = expected_status(who, service, operation)
    assert status == expected
    assert changed == (operation != "read" and status == expected == ALLOWED_STATUS[operation])


def test_the_walk_follows_a_changed_matrix(event, person_as, api_client):
    """Every cell flipped (as the super admin could in the admin grid): the API follows at once."""
    for permission in Permission.objects.all():
        for operation in OPERATIONS:
            setattr(permission, f"can_{operation}", not getattr(permission, f"can_{operation}"))
        permission.save()
    people = {who: api_client(person_as(who)) for who in ("organizer", "coorganizer", "track_organizer", "moderator")}
    mismatches = []
    for who, client in people.items():
        for service in RESOURCES:
            for operation in OPERATIONS:
                status, _ = walk(client, event, service, operation)
                if status != expected_status(who, service, operation):
                    mismatches.append((who, service, operation, status))
    assert mismatches == []
    # And the flip did change something: the organizer may no longer create tracks.
    assert expected_status("organizer", "track", "create") == 403
