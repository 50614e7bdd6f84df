"""What the permission matrix governs: the event's *resources*. ``RESOURCES`` is the one
list of their names (the matrix's rows, ``permissions.Service``, one per name; the admin
grid shows them all; ``permissions.checks`` answers for each).

An app above permissions adds a resource of its own with ``register_resource(name)`` in
its ``AppConfig.ready`` (orders: ``order``), appended to ``RESOURCES`` (the apps are ready
in ``INSTALLED_APPS``' order, so the rows keep theirs), plus a data migration in
``permissions/migrations`` that inserts its row and default cells (copy
``0004_order_resource``: it defines ``RESOURCES`` and ``seed``; ``permissions.apps`` runs
every seed after ``migrate``). Then ``checks.may(user, event, name, op)`` answers from the
matrix, the admin grid and the roles page show its row. permissions names no resource of
an app above the ones it was built with.

Two kinds of resources:

- ``DASHBOARD_RESOURCES``: the event's objects with the generic dashboard pages (list,
  create, edit, delete) and API viewsets: ``events.models.RESOURCE_MODELS`` and
  ``events.forms.RESOURCE_FORMS`` derive from this list.
- the others, with pages of their own: ``event`` (the event itself: its settings, banner
  and publishing, on the wizard and the dashboard; the matrix's read, update and delete)
  and ``ticket`` (the wizard's tickets step and the tickets API).
"""

TRACK = "track"
SESSION = "session"
SPEAKER = "speaker"
SPONSOR = "sponsor"
MICROLOCATION = "microlocation"
EVENT = "event"
TICKET = "ticket"

DASHBOARD_RESOURCES = (TRACK, SESSION, SPEAKER, SPONSOR, MICROLOCATION)
#: Every resource, in the matrix's order: one list, which ``register_resource`` extends
#: (``permissions.checks`` and the grid read this same list).
RESOURCES = [*DASHBOARD_RESOURCES, EVENT, TICKET]

OPERATIONS = ("create", "read", "update", "delete")

# The operations a resource's row has in the matrix, when not all four: the event exists
# before anyone's rights in it, so nobody "creates" it in the matrix's sense.
_OPERATIONS_OF = {EVENT: ("read", "update", "delete")}

# Cells every role holds whatever the matrix row says (the admin grid shows them ticked
# and fixed): whoever holds a role in an event reads the event (permissions.checks.can_view_event).
IMPLIED_FOR_EVERY_ROLE = frozenset({(EVENT, "read")})


def operations(resource):
    """The operations ``resource``'s row has in the matrix."""
    return _OPERATIONS_OF.get(resource, OPERATIONS)


def register_resource(name, operations=OPERATIONS):
    """``name`` becomes a resource of the matrix (after those there are), with
    ``operations`` (all four unless told). Registering it again changes nothing."""
    if name in RESOURCES:
        return
    RESOURCES.append(name)
    if tuple(operations) != OPERATIONS:
        _OPERATIONS_OF[name] = tuple(operations)
