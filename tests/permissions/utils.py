"""Helpers for the permission tests: the matrix as data, and the admin grid's form."""

from django.urls import reverse

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
    """Every cell flipped: what was allowed is refused and the other way round."""
    return {key: set(OPERATIONS) - operations for key, operations in flags.items()}
