# The booking events staff record when they mark a meeting's outcome (completed, no-show).
from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("booking", "0010_calendar_feeds")]

    operations = [
        migrations.AlterField(
            model_name="bookingevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("held", "held"),
                    ("booked", "booked"),
                    ("meeting_created", "meeting created"),
                    ("moved", "moved"),
                    ("cancelled", "cancelled"),
                    ("released", "released"),
                    ("expired", "expired"),
                    ("completed", "marked completed"),
                    ("no_show", "marked no-show"),
                ],
                max_length=30,
                verbose_name="kind",
            ),
        ),
    ]
