"""People read "Rooms": the matrix's ``microlocation`` row (shown on the roles page and in
the admin grid) gets that title; its name stays. ``seed`` also runs after every
``migrate`` and ``flush`` (permissions.apps), after 0002's, which still creates the row
under its old title: so the title is "Rooms" whatever recreated the row. A title the
super admin chose (anything but the old default) is left alone."""

from django.db import migrations

# (name, title) of new resources, as every seed migration has (none here: a title changes).
RESOURCES = []
OLD_TITLE, NEW_TITLE = "Microlocations", "Rooms"


def seed(apps, schema_editor):
    Service = apps.get_model("permissions", "Service")
    Service.objects.filter(name="microlocation", title=OLD_TITLE).update(title=NEW_TITLE)


def unseed(apps, schema_editor):
    Service = apps.get_model("permissions", "Service")
    Service.objects.filter(name="microlocation", title=NEW_TITLE).update(title=OLD_TITLE)


class Migration(migrations.Migration):
    dependencies = [("permissions", "0004_order_resource")]
    operations = [migrations.RunPython(seed, unseed)]
