"""Issue 13, item 2: the roles page tells the truth. It shows each role's rights as the
matrix in the database has them (not "Organizer: Everything"), to everyone who may see the
page, and follows an edit of the super admin's grid at once."""

import re

import pytest
from django.urls import reverse

from permissions import checks
from tests.permissions.utils import current_flags, post_matrix

pytestmark = pytest.mark.django_db


def shown_rights(client, event):
    """{role: {resource: operations}} as the page shows them, and who manages roles."""
    body = client.get(reverse("events:roles", args=[event.pk])).content.decode()
    table = body.split('data-testid="role-rights"', 1)[1].split("</table>", 1)[0]
    rights = {}
    for role, row in re.findall(r'<tr data-role="([^"]+)">(.*?)</tr>', table, re.S):
        cells = dict(re.findall(r'data-rights="([^"]+)" data-operations="([^"]*)"', row))
        rights[role] = {name: set(ops.split()) for name, ops in cells.items()}
        if 'data-rights="roles"' in row:
            rights[role]["roles"] = {"manage"}
    return body, rights


@pytest.mark.parametrize("who", ["organizer", "moderator"])
def test_the_page_shows_the_seeded_matrix(client, event, person_as, who):
    client.force_login(person_as(who))
    body, rights = shown_rights(client, event)
    assert "Everything" not in body
    assert "What the permission matrix allows them" not in body
    assert rights["organizer"]["track"] == {"create", "read", "update", "delete"}
    assert rights["organizer"]["event"] == {"read", "update", "delete"}
    assert rights["organizer"]["ticket"] == {"create", "read", "update", "delete"}
    assert rights["organizer"]["roles"] == {"manage"}
    assert rights["coorganizer"]["event"] == {"read", "update"}
    assert "roles" not in rights["coorganizer"]
    assert rights["moderator"] == {"track": {"read"}, "event": {"read"}, "ticket": {"read"}}
    assert rights["track_organizer"] == {"track": {"read", "update"}, "event": {"read"}, "ticket": {"read"}}


def test_the_page_follows_a_grid_edit(client, event, organizer, super_admin_client):
    client.force_login(organizer)
    flags = current_flags()
    flags["organizer", "track"] = {"read"}  # the super admin takes cells from the Organizer
    flags["organizer", "ticket"] = {"read", "update"}
    flags["moderator", "session"] = {"read", "update"}
    flags["moderator", "event"] = {"read", "update"}
    assert post_matrix(super_admin_client, flags).status_code == 302
    _, rights = shown_rights(client, event)
    assert rights["organizer"]["track"] == {"read"}
    assert rights["organizer"]["ticket"] == {"read", "update"}
    assert rights["moderator"]["session"] == {"read", "update"}
    assert rights["moderator"]["event"] == {"read", "update"}
    # And what the page says is what the checks answer.
    for item in checks.role_rights():
        for service, operations in item.rights:
            cells = rights[item.role.name].get(service.name, set())
            assert set(operations) == cells


def test_reading_the_event_is_shown_for_every_role_even_if_its_cell_was_cleared(client, event, organizer):
    """The event's read is every role's (a role holder sees its draft): the page says so."""
    from permissions.models import Permission

    Permission.objects.filter(service__name="event").update(can_read=False)
    client.force_login(organizer)
    _, rights = shown_rights(client, event)
    assert all("read" in rights[role]["event"] for role in rights)
