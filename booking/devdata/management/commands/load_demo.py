"""python manage.py load_demo: the demo bank. Safe to run again: it changes nothing."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, no_translations
from django.utils import timezone

from booking.devdata import demo, demo_profiles, demo_staff


class Command(BaseCommand):
    help = "Load the demo configuration, staff accounts and meetings (idempotent)."

    # The demo's names are written in English: whatever language the caller has active,
    # lookups by name and the translated columns go by the English ones.
    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD", "bookme-demo")
        demo.load_configuration()
        lines = demo.load_staff_accounts(password)
        lines += demo_profiles.profile_lines(demo_profiles.load_demo_profile())
        # Demo meetings are not real bookings: their confirmations are cancelled unsent.
        now = timezone.now()
        created = demo.load_meetings(now=now)
        lines += demo_staff.absence_lines(demo_staff.load_demo_absence(now=now))
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({created} new meetings)."))
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(
            "The worker (started by `make run`) prints a reminder and a waitlist offer to the "
            "console within about two minutes."
        )
