"""Booked slots without a meeting from before their expiry existed get one.

Since issue 8 a Booked slot waits BOOKME_BOOKED_WITHOUT_MEETING_MINUTES for its meeting and
is then freed. Slots booked earlier have no expiry (NULL) and would block their time
forever: from now on they wait like any other.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def give_waiting_booked_slots_an_expiry(apps, schema_editor) -> None:
    TimeSlot = apps.get_model("booking", "TimeSlot")
    expires_at = timezone.now() + timedelta(minutes=settings.BOOKME_BOOKED_WITHOUT_MEETING_MINUTES)
    TimeSlot.objects.filter(status="Booked", expires_at__isnull=True, meeting__isnull=True).update(
        expires_at=expires_at
    )


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_booking_event"),
    ]

    operations = [
        migrations.RunPython(give_waiting_booked_slots_an_expiry, migrations.RunPython.noop),
    ]
