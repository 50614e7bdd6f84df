"""The matrix gains two resources: the event itself (read, update, delete: its settings,
banner and publishing) and its tickets (create, read, update, delete), seeded as
Organizer everything, Co-organizer read and update, Track Organizer and Moderator read.

A template for the next resource (``permissions.resources``): a frozen ``RESOURCES``
list and its default cells, and ``seed`` (which ``permissions.apps`` also runs after
every ``migrate`` and ``flush`` to restore missing rows, never changing existing ones)."""

from django.db import migrations

# (name, title): a frozen copy, as migrations must not import code that changes.
RESOURCES = [
    ("event", "Event"),
    ("ticket", "Tickets"),
]
# The default cells: {resource: {role: operations}}; a role not named gets none.
DEFAULTS = {
    "event": {
        "organizer": {"read", "update", "delete"},
        "coorganizer": {"read", "update"},
        "track_organizer": {"read"},
        "moderator": {"read"},
    },
    "ticket": {
        "organizer": {"create", "read", "update", "delete"},
        "coorganizer": {"read", "update"},
        "track_organizer": {"read"},
        "moderator": {"read"},
    },
}


def seed(apps, schema_editor):
    Role = apps.get_model("permissions", "Role")
    Service = apps.get_model("permissions", "Service")
    Permission = apps.get_model("permissions", "Permission")
    roles = list(Role.objects.all())
    cells = []
    for name, title in RESOURCES:
        service = Service.objects.get_or_create(name=name, defaults={"title": title})[0]
        for role in roles:
            allowed = DEFAULTS[name].get(role.name, set())
            cells.append(
                Permission(
                    role=role,
                    service=service,
                    **{f"can_{op}": op in allowed for op in ("create", "read", "update", "delete")},
                )
            )
    Permission.objects.bulk_create(cells, ignore_conflicts=True)  # cells that exist stay as they are


def unseed(apps, schema_editor):
    # The rows' cells go with them (on_delete=CASCADE).
    apps.get_model("permissions", "Service").objects.filter(name__in=[name for name, _ in RESOURCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("permissions", "0002_seed_permission_matrix")]

    operations = [migrations.RunPython(seed, unseed)]
