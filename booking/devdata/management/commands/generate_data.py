"""Generate a deterministic, realistic data set for benchmarks: S, M or L over 90 days.

    python manage.py generate_data --size M --seed 1 --start 2026-06-01 [--flush]

Two branches (Copenhagen, Aarhus) with opening hours and Danish public holidays,
employees with varied working hours, vacations, sick days and short absences, rooms,
topics, customers, and meetings written as Booked time slots with their Meeting rows
(about 4% cancelled). The same seed and start give the same data, primary keys and
created_at timestamps aside. The command proves at the end, with
TimeSlot.objects.double_booked(), that no two occupying slots overlap.
"""

from __future__ import annotations

import random
import time as clock
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from booking.devdata.data_generator.build import Generator, flush
from booking.devdata.data_generator.spec import SIZES
from booking.models import TimeSlot
from config_data.models import Absence, Location


class Command(BaseCommand):
    help = "Generate deterministic benchmark data: --size S|M|L over 90 days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--start", type=date.fromisoformat, default=None, help="First day (default: today)."
        )
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument(
            "--meetings", type=int, default=None, help="Override the size's meeting count."
        )
        parser.add_argument(
            "--flush", action="store_true", help="Delete all configuration and bookings first."
        )

    def handle(self, *args: object, **options: object) -> None:
        began = clock.perf_counter()
        size = SIZES[str(options["size"])]
        start = options["start"] or date.today()
        if isinstance(start, str):  # call_command(start="...") skips the parser
            start = date.fromisoformat(start)
        assert isinstance(start, date)
        days = int(str(options["days"]))
        meetings = int(str(options["meetings"] or size["meetings"]))
        if options["flush"]:
            flush()
        elif Location.objects.exists() or TimeSlot.objects.exists():
            raise CommandError("The database already holds data; pass --flush to replace it.")
        rng = random.Random(int(str(options["seed"])))
        with transaction.atomic():
            generator = Generator(rng, start=start, days=days)
            generator.configure(employees=size["employees"], rooms=size["rooms"])
            generator.book(meetings)
            generator.save()
        overlaps = TimeSlot.objects.double_booked().count()
        if overlaps:
            raise CommandError(f"{overlaps} generated time slots overlap: this is a bug.")
        self.stdout.write(
            f"Generated size {options['size']} from {start} for {days} days: "
            f"{size['employees']} employees, {size['rooms']} rooms, "
            f"{len(generator.plan.meetings)} meetings "
            f"({generator.cancelled} cancelled), {len(generator.customers)} customers, "
            f"{Absence.objects.count()} absences; no overlaps; "
            f"{clock.perf_counter() - began:.1f} s."
        )
