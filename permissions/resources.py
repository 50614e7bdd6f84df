"""What the permission matrix governs: the event's *resources*. ``RESOURCES`` is the one
list of their names (the matrix's rows, ``permissions.Service``, one per name; the admin
grid shows them all; ``permissions.checks`` answers for each).

permissions names no resource of the apps above it, but one: ``event``, the event a role
is held in (``settings.EVENTDESK_EVENT_MODEL``), its own word, whose row has its own shape
(no "create": the event exists before anyone's rights in it) and whose read every role
holds (``IMPLIED_FOR_EVERY_ROLE``). Each app adds its resources with
``register_resource(name)`` in its ``AppConfig.ready``, appended to ``RESOURCES`` (the
apps are ready in ``INSTALLED_APPS``' order, so the rows keep theirs): events its
dashboard's five (track, session, speaker, sponsor, microlocation) and then ``event``;
tickets ``ticket``; orders ``order``. Before the apps are ready the list is empty. A new
resource also needs a data migration in ``permissions/migrations`` that inserts its row
and default cells (copy ``0004_order_resource``: it defines ``RESOURCES`` and ``seed``;
``permissions.apps`` runs every seed after ``migrate``; the migrations are history and
keep the names they seeded). Then ``checks.may(user, event, name, op)`` answers from the
matrix, the admin grid and the roles page show its row.
"""

EVENT = "event"

#: Every resource, in the matrix's order: one list, which ``register_resource`` fills in
#: (``permissions.checks`` and the grid read this same list).
RESOURCES = []

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
