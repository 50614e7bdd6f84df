# The original system's track fields (its image's address and the track's place in the
# venue), blank for the tracks there are.

import django.core.validators
from django.db import migrations, models

import core.validators


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0008_rooms_and_colour_wording"),
    ]

    operations = [
        migrations.AddField(
            model_name="track",
            name="track_image_url",
            field=models.URLField(
                blank=True,
                max_length=500,
                validators=[
                    django.core.validators.URLValidator(
                        message="Enter a web address (http or https).", schemes=["http", "https"]
                    )
                ],
                verbose_name="image URL",
            ),
        ),
        migrations.AddField(
            model_name="track",
            name="location",
            field=models.CharField(blank=True, max_length=300, validators=[core.validators.validate_single_line]),
        ),
    ]
