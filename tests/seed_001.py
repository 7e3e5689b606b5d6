"""Seed 001's request bodies, byte for byte, and the data that makes its sequence valid.

The bodies are read from the seed file (shared/seeds/ beside the repository) when it is
there, else taken from the verbatim copies below; a test checks that the two agree.
Only the ids are replaced, by plain replacement of the quoted values, so that every
other byte is what an integrator following the seed sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

from django.conf import settings

from config_data.models import CustomerCategory, Employee, MeetingTopic, Room
from tests import factories

RESERVE = (
    "{\n"
    '  "timeSlot": {\n'
    '    "startDate": "2025-03-15T10:00:00Z",\n'
    '    "endDate": "2025-03-15T11:00:00Z",\n'
    '    "status": "Reserved",\n'
    '    "employeeId": "67890"\n'
    "  },\n"
    '  "token": "reservation-token"\n'
    "}\n"
)
PATCH = '[\n  {\n    "op": "replace",\n    "path": "/status",\n    "value": "Booked"\n  }\n]\n'
MEETING = (
    "{\n"
    '  "bookedBy": "customer",\n'
    '  "customerCategoryId": "123",\n'
    '  "timeSlotId": "12345",\n'
    '  "type": "physical",\n'
    '  "themeId": "111",\n'
    '  "roomId": "222",\n'
    '  "employeeId": "333",\n'
    '  "customerId": "67890",\n'
    '  "description": "Meeting description"\n'
    "}\n"
)
ICAL = '{\n  "title": "Meeting title",\n  "description": "Meeting description"\n}\n'
VERBATIM = [RESERVE, PATCH, MEETING, ICAL]

# Shortly before the seed's slot (Saturday 15 March 2025, 10:00-11:00 UTC).
SEED_NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
SEED_START = "2025-03-15T10:00:00Z"


def seed_file() -> Path | None:
    shared = Path(settings.BASE_DIR).parent / "shared" / "seeds"
    return next(iter(sorted(shared.glob("001_*.txt"))), None)


def seed_file_bodies() -> list[str] | None:
    """The seed's JSON blocks, in order, or None when the seed file is not beside the repo."""
    path = seed_file()
    if path is None:
        return None
    return re.findall(r"```json\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def bodies() -> list[str]:
    return seed_file_bodies() or VERBATIM


def with_ids(body: str, ids: dict[str, object]) -> str:
    """The body with each quoted seed id replaced by a real one; every other byte kept.

    One pass, so a real id that happens to equal another seed id is never replaced again.
    """
    pattern = "|".join(re.escape(f'"{seed_id}"') for seed_id in ids)
    return re.sub(pattern, lambda m: f'"{ids[m.group(0)[1:-1]]}"', body)


@dataclass
class SeedWorld:
    """An adviser who works Saturdays, with a 60-minute topic held in person in a room."""

    employee: Employee
    room: Room
    topic: MeetingTopic
    category: CustomerCategory

    def meeting_ids(self, time_slot_id: object) -> dict[str, object]:
        return {
            "12345": time_slot_id,
            "111": self.topic.pk,
            "222": self.room.pk,
            "333": self.employee.pk,
            "123": self.category.pk,
        }

    def reserve_ids(self) -> dict[str, object]:
        # The reserve body's employeeId is "67890" (the meeting body's customerId is too).
        return {"67890": self.employee.pk}


def seed_world() -> SeedWorld:
    branch = factories.location(name="Aalborg", opening=None)
    employee = factories.employee(
        location=branch,
        name="Sara Saturday",
        hours=[(day, time(9), time(17)) for day in range(6)],
        online=False,
        phone=False,
    )
    room = factories.room(location=branch, name="Harbour")
    category = factories.category("Private")
    topic = factories.topic(
        name="Home loan",
        employees=[employee],
        categories=[category],
        duration=60,
        physical=True,
        online=False,
        requires_room=True,
    )
    return SeedWorld(employee, room, topic, category)
