"""New-order notifications stored before buyers' names were escaped held the name as
markup (a name could be a link). Their messages never held markup of the server's own:
keep their text, drop every element."""

import nh3
from django.db import migrations


def to_text(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.filter(action="New order").exclude(message="").only("id", "message")
    for row in rows.iterator(chunk_size=500):
        text = nh3.clean(row.message, tags=set(), attributes={})
        if text != row.message:
            Notification.objects.filter(pk=row.pk).update(message=text)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_action_kind_and_link")]

    operations = [migrations.RunPython(to_text, migrations.RunPython.noop, elidable=True)]
