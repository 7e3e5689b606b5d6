"""python manage.py load_demo: the demo bank. Safe to run again: it changes nothing."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from booking.devdata import demo, demo_staff


class Command(BaseCommand):
    help = "Load the demo configuration, staff accounts and meetings (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD", "bookme-demo")
        demo.load_configuration()
        lines = demo.load_staff_accounts(password)
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
