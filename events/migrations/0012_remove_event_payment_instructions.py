"""``Event.payment_instructions`` belongs to orders (``orders.SalesSettings``, whose
migration copies the text before this one runs)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0011_email_characters"),
    ]

    operations = [
        migrations.RemoveField(model_name="event", name="payment_instructions"),
    ]
