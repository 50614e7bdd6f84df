"""The orders' settings of an event live with orders: ``Event.payment_instructions`` moves
to ``SalesSettings`` (one row per event that has any). This runs before events drops its
column (``run_before``): events' migration names nothing of orders."""

import django.db.models.deletion
from django.db import migrations, models


def move_to_orders(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    SalesSettings = apps.get_model("orders", "SalesSettings")
    stored = Event.objects.exclude(payment_instructions="").values_list("pk", "payment_instructions")
    SalesSettings.objects.bulk_create(
        (SalesSettings(event_id=pk, payment_instructions=text) for pk, text in stored.iterator()), batch_size=500
    )


def move_back_to_events(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    SalesSettings = apps.get_model("orders", "SalesSettings")
    for event_id, text in SalesSettings.objects.values_list("event_id", "payment_instructions").iterator():
        Event.objects.filter(pk=event_id).update(payment_instructions=text)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0011_email_characters"),
        ("orders", "0005_email_characters"),
    ]
    run_before = [("events", "0012_remove_event_payment_instructions")]

    operations = [
        migrations.CreateModel(
            name="SalesSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("payment_instructions", models.TextField(blank=True, max_length=10000)),
                (
                    "event",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sales_settings",
                        to="events.event",
                    ),
                ),
            ],
            options={"verbose_name": "sales settings", "verbose_name_plural": "sales settings"},
        ),
        migrations.RunPython(move_to_orders, move_back_to_events, elidable=False),
    ]
