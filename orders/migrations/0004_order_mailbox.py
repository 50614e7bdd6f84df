"""Orders keep the mailbox their address reaches (``core.mail.mailbox_of``), by which the
held-seat bound counts a buyer's address: ``Ada+1@Example.com`` and ``ada@example.com``
are one buyer. Stored orders get theirs."""

from django.db import migrations, models

from core.mail import mailbox_of

MAILBOX_MAX = 400


def fill(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    batch = []
    for order in Order.objects.only("id", "email").iterator(chunk_size=500):
        order.mailbox = mailbox_of(order.email)[:MAILBOX_MAX]
        batch.append(order)
        if len(batch) == 500:
            Order.objects.bulk_update(batch, ["mailbox"])
            batch = []
    Order.objects.bulk_update(batch, ["mailbox"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_single_line_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="mailbox",
            field=models.CharField(blank=True, default="", editable=False, max_length=400),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["event", "mailbox"], name="order_event_mailbox"),
        ),
    ]
