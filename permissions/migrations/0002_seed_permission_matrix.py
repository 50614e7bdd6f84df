"""Seed the roles, services and the default permission matrix (docs/architecture.md, "Permissions")."""

from django.db import migrations

ROLES = [
    ("organizer", "Organizer"),
    ("coorganizer", "Co-organizer"),
    ("track_organizer", "Track Organizer"),
    ("moderator", "Moderator"),
]
SERVICES = [
    ("track", "Tracks"),
    ("session", "Sessions"),
    ("speaker", "Speakers"),
    ("sponsor", "Sponsors"),
    ("microlocation", "Microlocations"),
]


def default_flags(role, service):
    """(create, read, update, delete) for one cell of the default matrix."""
    if role == "organizer":
        return (True, True, True, True)
    if role == "coorganizer":
        return (False, True, True, False)
    if role == "track_organizer" and service == "track":
        return (False, True, True, False)
    if role == "moderator" and service == "track":
        return (False, True, False, False)
    return (False, False, False, False)


def seed(apps, schema_editor):
    Role = apps.get_model("permissions", "Role")
    Service = apps.get_model("permissions", "Service")
    Permission = apps.get_model("permissions", "Permission")
    roles = {name: Role.objects.get_or_create(name=name, defaults={"title": title})[0] for name, title in ROLES}
    services = {
        name: Service.objects.get_or_create(name=name, defaults={"title": title})[0] for name, title in SERVICES
    }
    cells = []
    for role_name, role in roles.items():
        for service_name, service in services.items():
            create, read, update, delete = default_flags(role_name, service_name)
            cells.append(
                Permission(
                    role=role, service=service, can_create=create, can_read=read, can_update=update, can_delete=delete
                )
            )
    # ignore_conflicts: never changes a cell that exists (the super admin's edits); this
    # also runs after every migrate and flush (permissions.apps) to restore missing rows.
    Permission.objects.bulk_create(cells, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("permissions", "Permission").objects.all().delete()
    apps.get_model("permissions", "Role").objects.filter(name__in=[n for n, _ in ROLES]).delete()
    apps.get_model("permissions", "Service").objects.filter(name__in=[n for n, _ in SERVICES]).delete()


class Migration(migrations.Migration):
    dependencies = [("permissions", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
