# Employees' calendar subscription feeds (booking.feeds.CalendarFeed).
from __future__ import annotations

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0009_staff_roles"),
        ("config_data", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarFeed",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "token_hash",
                    models.CharField(editable=False, max_length=64, unique=True),
                ),
                (
                    "hide_customer_details",
                    models.BooleanField(
                        default=False,
                        help_text=(
                            "Events show the topic only: no customer name, contact or answers."
                        ),
                        verbose_name="hide customer details",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
                (
                    "rotated_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="address changed at"),
                ),
                (
                    "employee",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_feed",
                        to="config_data.employee",
                        verbose_name="employee",
                    ),
                ),
            ],
            options={
                "verbose_name": "calendar feed",
                "verbose_name_plural": "calendar feeds",
            },
        ),
    ]
