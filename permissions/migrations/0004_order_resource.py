"""The matrix gains the ``order`` resource (attendees' orders, the orders app): Organizer
everything, Co-organizer read and update (see orders, mark paid, cancel), the others
nothing. ``seed`` also runs after every ``migrate`` and ``flush`` (permissions.apps) to
restore missing rows, never changing existing ones."""

from django.db import migrations

# (name, title): a frozen copy, as migrations must not import code that changes.
RESOURCES = [("order", "Orders")]
# The default cells: {resource: {role: operations}}; a role not named gets none.
DEFAULTS = {
    "order": {
        "organizer": {"create", "read", "update", "delete"},
        "coorganizer": {"read", "update"},
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
    dependencies = [("permissions", "0003_seed_event_and_ticket_resources")]

    operations = [migrations.RunPython(seed, unseed)]
