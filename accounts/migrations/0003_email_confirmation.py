from django.db import migrations, models
from django.db.models.functions import Now


def confirm_existing_accounts(apps, schema_editor):
    """Accounts made before addresses were confirmed count as confirmed: they were made
    under the old rule, and taking their invitations and speaker profiles away now would
    break what they already use (README, "Security")."""
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_confirmed_at__isnull=True).update(email_confirmed_at=Now())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_confirmed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the owner opened the confirmation link sent to the address; empty: not confirmed. "
                "Nothing addressed to the address (invitations, speaker profiles) reaches an unconfirmed account.",
                null=True,
                verbose_name="e-mail address confirmed",
            ),
        ),
        migrations.RunPython(confirm_existing_accounts, migrations.RunPython.noop, elidable=True),
    ]
