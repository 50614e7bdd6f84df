"""Helpers for the permission tests: the matrix as data, and the admin grid's form."""

from django.urls import reverse

from permissions import resources
from permissions.checks import OPERATIONS
from permissions.forms import PermissionMatrixForm
from permissions.models import Permission

MATRIX_URL = "admin:permissions_permission_matrix"


def current_flags():
    """The matrix in the database: ``{(role, service): {operations allowed}}``."""
    return {
        (p.role.name, p.service.name): {op for op in OPERATIONS if getattr(p, f"can_{op}")}
        for p in Permission.objects.select_related("role", "service")
    }


def matrix_post_data(flags):
    """What the grid form posts for ``flags``: a ticked box per allowed operation."""
    return {
        PermissionMatrixForm.field_name(role, service, op): "on"
        for (role, service), operations in flags.items()
        for op in operations
    }


def post_matrix(client, flags):
    return client.post(reverse(MATRIX_URL), matrix_post_data(flags))


def inverted(flags):
    """Every cell flipped: what was allowed is refused and the other way round; only the
    operations a resource's row has (``resources.operations``), and the cells every role
    holds stay held (the grid shows them fixed)."""
    flipped = {}
    for (role, resource), operations in flags.items():
        ops = set(resources.operations(resource)) - operations
        ops |= {op for name, op in resources.IMPLIED_FOR_EVERY_ROLE if name == resource}
        flipped[role, resource] = ops
    return flipped


ALLOWED, FORBIDDEN, NOT_FOUND, LOG_IN = "allowed", "403", "404", "log-in"


def outcome(responses, changed):
    """Name what the site answered. ``changed``: did the data change (None for reads)?"""
    login = reverse("login")
    if all(r.status_code == 302 and r["Location"].startswith(login) for r in responses):
        result = LOG_IN
    elif all(r.status_code == 403 for r in responses):
        result = FORBIDDEN
    elif all(r.status_code == 404 for r in responses):
        result = NOT_FOUND
    elif all(r.status_code == (302 if r.request["REQUEST_METHOD"] == "POST" else 200) for r in responses):
        result = ALLOWED
    else:
        return "mixed: " + ", ".join(f"{r.request['REQUEST_METHOD']} {r.status_code}" for r in responses)
    if changed is not None and changed != (result == ALLOWED):
        return f"{result}, but the data {'changed' if changed else 'did not change'}"
    return result
