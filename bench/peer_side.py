"""django-appointment's side of bench/peer.py; runs inside the benchmark's own virtualenv.

    bench/.venv-peer/bin/python bench/peer_side.py EXPORT.json --runs 20

Loads one employee's month (exported from BookMe's generated data by bench/peer.py)
into the peer's models, then times the peer's own slot function,
appointment.services.get_available_slots_for_staff, over the month, day by day, as its
"next available date" view does. Prints JSON: timings, query count, and the slots.
With --load-only it stops after loading and prints the staff member's and service's ids.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_project.settings")


def parse_time(text: str) -> wall_time:
    return wall_time.fromisoformat(text)


def load(data: dict) -> tuple:
    """The export as the peer's models: staff member, service, hours, days off, appointments."""
    from appointment.models import (
        Appointment,
        AppointmentRequest,
        Config,
        DayOff,
        Service,
        StaffMember,
        Unavailability,
        WorkingHours,
    )
    from django.contrib.auth import get_user_model

    Config.objects.create(
        slot_duration=data["step"],
        lead_time=wall_time(8),
        finish_time=wall_time(19),
        appointment_buffer_time=data["notice"],
        default_to_service_duration=True,
        slot_gap_time=0,
    )
    service = Service.objects.create(
        name=data["topic"], duration=timedelta(minutes=data["duration"]), price=0
    )
    user = get_user_model().objects.create(username="adviser", first_name=data["employee"])
    staff = StaffMember.objects.create(
        user=user, slot_duration=data["step"], appointment_buffer_time=data["notice"]
    )
    staff.services_offered.add(service)
    for weekday, (start, end) in data["hours"].items():
        # the peer counts weekdays from Sunday = 0
        WorkingHours.objects.create(
            staff_member=staff,
            day_of_week=(int(weekday) + 1) % 7,
            start_time=parse_time(start),
            end_time=parse_time(end),
        )
    DayOff.objects.bulk_create(
        DayOff(staff_member=staff, start_date=date.fromisoformat(d), end_date=date.fromisoformat(d))
        for d in data["days_off"]
    )
    Unavailability.objects.bulk_create(
        Unavailability(
            staff_member=staff,
            date=date.fromisoformat(d),
            start_time=parse_time(s),
            end_time=parse_time(e),
        )
        for d, s, e in data["unavailable"]
    )
    client = get_user_model().objects.create(username="customer", email="c@example.com")
    # The peer refuses an appointment longer than its service: the existing bookings (other
    # topics, buffers included) belong to a service long enough for any of them.
    other = Service.objects.create(name="Other bookings", duration=timedelta(hours=8), price=0)
    for d, s, e in data["busy"]:
        request = AppointmentRequest.objects.create(
            date=date.fromisoformat(d),
            start_time=parse_time(s),
            end_time=parse_time(e),
            service=other,
            staff_member=staff,
        )
        Appointment.objects.create(client=client, appointment_request=request)
    return staff, service


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("export")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--load-only", action="store_true", help="load, print the ids, stop")
    args = parser.parse_args()
    data = json.loads(Path(args.export).read_text())

    import django

    django.setup()
    from appointment.services import get_available_slots_for_staff
    from appointment.utils.db_helpers import get_weekday_num_from_date
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    database = Path(os.environ.get("PEER_DATABASE", BENCH / ".data" / "peer.sqlite3"))
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    call_command("migrate", run_syncdb=True, verbosity=0)  # the package ships no migrations
    staff, service = load(data)
    version = __import__("importlib.metadata").metadata.version("django-appointment")
    if args.load_only:  # bench/peer.py --http serves this database with gunicorn
        print(json.dumps({"staff": staff.pk, "service": service.pk, "version": version}))
        return
    days = [date.fromisoformat(d) for d in data["days"]]

    def month() -> list[datetime]:
        slots: list[datetime] = []
        for day in days:
            weekday = get_weekday_num_from_date(day)
            slots.extend(get_available_slots_for_staff(day, staff, weekday, service=service))
        return slots

    for _ in range(2):  # warm-up
        month()
    with CaptureQueriesContext(connection) as queries:
        slots = month()
    timings = []
    for _ in range(args.runs):
        began = time.perf_counter()
        month()
        timings.append(time.perf_counter() - began)
    timings.sort()
    print(
        json.dumps(
            {
                "median": statistics.median(timings),
                "p95": timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))],
                "queries": len(queries.captured_queries),
                "slots": [s.isoformat(timespec="minutes") for s in slots],
                "version": version,
            }
        )
    )


if __name__ == "__main__":
    main()
