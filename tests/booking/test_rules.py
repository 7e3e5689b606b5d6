"""One home per rule: each rule lives once, and every consumer follows it.

Each test would catch a second copy drifting: it changes the rule in its home and sees
every consumer follow, or it reads the source for the rule's literal outside its home.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from booking import models, services, slot_models
from booking.actors import Actor
from booking.api.meetings import meeting_out
from booking.api.schemas import (
    BookedByName,
    MeetingStatusName,
    MeetingTypeEnum,
    TimeSlotStatusName,
)
from booking.errors import InvalidRequest, TooLate
from booking.forms import DetailsForm
from booking.models import (
    ANSWER_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    LONGEST_BLOCK,
    LONGEST_BLOCK_HOURS,
    Customer,
    Meeting,
    MeetingAnswer,
    TimeSlot,
    group_session_key,
    is_group_session,
    is_single_session,
    new_session_key,
    single_session_key,
)
from booking.search import SlotSearch, find_slots
from config_data.models import InformationQuestion, MeetingType
from tests import factories
from tests.api.helpers import Caller, issue_token, make_application, reserve_body
from tests.background import run_tasks
from tests.factories import FACTORY_ACTOR

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["booking", "config_data", "bookme_site"]
HOME = "booking/models.py"

# Tuesday 2 June 2026 14:00 UTC: 16:00 in Copenhagen, 15:00 in London, 10:00 in New York.
TUESDAY_14_UTC = datetime(2026, 6, 2, 14, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 6, 2, 0, 0, tzinfo=UTC)


def source_files() -> Iterator[tuple[str, ast.Module]]:
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), filename=str(path))


def string_parts(node: ast.AST) -> Iterator[str]:
    """Every string literal, and the leading text of every f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield first.value


def outside_home(found: Iterator[tuple[str, int]], home: str = HOME) -> list[str]:
    return [f"{path}:{line}" for path, line in found if path != home]


# --- the display zone -------------------------------------------------------------------


@pytest.fixture
def far_apart(world):
    """A London room at the Copenhagen branch, and an employee working New York hours."""
    world.big_room.timezone = "Europe/London"
    world.big_room.save()
    world.alice.timezone = "America/New_York"
    world.alice.save()
    return world


def book(far_apart, django_capture_on_commit_callbacks, **kwargs) -> Meeting:
    """A meeting at TUESDAY_14_UTC with Alice, its emails sent as after a real commit."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting = factories.meeting(
            topic=far_apart.topic, employee=far_apart.alice, start=TUESDAY_14_UTC, **kwargs
        )
    return Meeting.objects.with_details().get(pk=meeting.pk)


def shown(client, meeting: Meeting) -> dict[str, str]:
    """The zone and local start each consumer shows the meeting in."""
    run_tasks()  # the emails go out in the worker
    page = client.get(reverse("booking:confirmed", args=[meeting.reference])).content.decode()
    return {
        "page": page,
        "email": mail.outbox[0].body,
        "api": meeting_out(meeting).time_zone or "",
    }


def test_an_in_person_meeting_is_shown_in_its_rooms_own_zone(
    client, far_apart, frozen_clock, django_capture_on_commit_callbacks
):
    """A room whose zone differs from its location's: page, email and API show the room's."""
    meeting = book(
        far_apart,
        django_capture_on_commit_callbacks,
        room=far_apart.big_room,
        meeting_type="physical",
    )
    assert meeting.display_zone == ZoneInfo("Europe/London")
    seen = shown(client, meeting)
    assert "15:00–16:00" in seen["page"]
    assert "(Europe/London)" in seen["page"]
    assert "15:00–16:00 (Europe/London)" in seen["email"]
    assert seen["api"] == "Europe/London"


def test_a_meeting_without_a_room_is_shown_in_the_employees_own_zone(
    client, far_apart, frozen_clock, django_capture_on_commit_callbacks
):
    """Online: the employee's own zone decides, on the page, in the email and in the API."""
    meeting = book(far_apart, django_capture_on_commit_callbacks)
    assert meeting.room is None
    seen = shown(client, meeting)
    assert "10:00–11:00" in seen["page"]
    assert "(America/New_York)" in seen["page"]
    assert "10:00–11:00 (America/New_York)" in seen["email"]
    assert seen["api"] == "America/New_York"


def test_zones_fall_back_to_the_location_and_then_the_site(world):
    """Blank own zones inherit the location's; neither room nor employee: TIME_ZONE."""
    world.location.timezone = "Europe/Helsinki"
    world.location.save()
    room = type(world.big_room).objects.get(pk=world.big_room.pk)
    employee = type(world.alice).objects.get(pk=world.alice.pk)
    assert models.resolved_zone(room=room, employee=employee) == ZoneInfo("Europe/Helsinki")
    assert models.resolved_zone(employee=employee) == ZoneInfo("Europe/Helsinki")
    assert models.resolved_zone() == ZoneInfo("Europe/Copenhagen")  # settings.TIME_ZONE


def test_every_consumer_follows_the_one_zone_rule(
    client, far_apart, frozen_clock, django_capture_on_commit_callbacks, monkeypatch
):
    """Change the rule in its home and the page, the email and the API all follow it."""
    # Where time slots read it (TimeSlot.display_zone): every consumer goes through that.
    monkeypatch.setattr(slot_models, "resolved_zone", lambda **_: ZoneInfo("Asia/Tokyo"))
    meeting = book(far_apart, django_capture_on_commit_callbacks)
    seen = shown(client, meeting)
    assert "23:00–00:00" in seen["page"]
    assert "(Asia/Tokyo)" in seen["page"]
    assert "(Asia/Tokyo)" in seen["email"]
    assert "23:00" in seen["email"]
    assert seen["api"] == "Asia/Tokyo"


def test_a_rooms_own_zone_places_its_opening_hours(world):
    """The branch opens 08-18: a London room opens at 08:00 London (07 UTC), the others
    at 08:00 Copenhagen (06 UTC); each closes at 18:00 in its own zone."""
    world.big_room.timezone = "Europe/London"
    world.big_room.save()
    search = SlotSearch(
        start=TUESDAY, end=TUESDAY + timedelta(days=1), topic=world.topic, require_employee=False
    )
    slots = find_slots(search, now=TUESDAY - timedelta(days=1))
    by_room = {
        room.pk: [s for s in slots if s.room_id == room.pk]
        for room in (world.small_room, world.big_room)
    }
    assert by_room[world.small_room.pk][0].start == TUESDAY + timedelta(hours=6)
    assert by_room[world.small_room.pk][-1].end == TUESDAY + timedelta(hours=16)
    assert by_room[world.big_room.pk][0].start == TUESDAY + timedelta(hours=7)
    assert by_room[world.big_room.pk][-1].end == TUESDAY + timedelta(hours=17)


# --- the change cut-off -----------------------------------------------------------------


@pytest.fixture
def meeting(world, frozen_clock) -> Meeting:
    """Tuesday 16:00 Copenhagen online with Alice; the topic's cut-off is 24 hours."""
    return factories.meeting(topic=world.topic, employee=world.alice, start=TUESDAY_14_UTC)


def offers_cancel(client, meeting: Meeting) -> bool:
    html = client.get(reverse("booking:manage", args=[meeting.reference])).content.decode()
    return reverse("booking:cancel", args=[meeting.reference]) in html


def test_the_page_and_the_service_close_changes_at_the_same_instant(client, meeting, frozen_clock):
    """A microsecond before the deadline both allow a change; at the deadline both refuse."""
    deadline = meeting.change_deadline
    assert deadline == TUESDAY_14_UTC - timedelta(hours=24)
    frozen_clock.move_to(deadline)
    assert not offers_cancel(client, meeting)
    with pytest.raises(TooLate):
        services.meeting_cancel(actor=FACTORY_ACTOR, meeting_id=meeting.pk, now=deadline)
    frozen_clock.move_to(deadline - timedelta(microseconds=1))
    assert offers_cancel(client, meeting)
    services.meeting_cancel(
        actor=FACTORY_ACTOR, meeting_id=meeting.pk, now=deadline - timedelta(microseconds=1)
    )


def test_every_consumer_follows_the_one_change_deadline(client, meeting, frozen_clock, monkeypatch):
    """Move the deadline in its home (to one hour before) and the page and service follow."""
    monkeypatch.setattr(
        Meeting, "change_deadline", property(lambda m: m.start - timedelta(hours=1))
    )
    two_hours_before = TUESDAY_14_UTC - timedelta(hours=2)
    frozen_clock.move_to(two_hours_before)
    assert offers_cancel(client, meeting)
    cancelled = services.meeting_cancel(
        actor=Actor.for_session("factory"), meeting_id=meeting.pk, now=two_hours_before
    )
    assert cancelled.status == "cancelled"


def test_no_second_copy_of_the_cutoff_arithmetic():
    """Only the model turns a topic's change_cutoff into a time (timedelta(...change_cutoff))."""

    def found() -> Iterator[tuple[str, int]]:
        for path, tree in source_files():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) == "timedelta"
                    and any(
                        isinstance(n, ast.Attribute) and n.attr == "change_cutoff"
                        for arg in [*node.args, *node.keywords]
                        for n in ast.walk(arg)
                    )
                ):
                    yield path, node.lineno

    assert outside_home(found()) == []


# --- the longest slot -------------------------------------------------------------------


def test_the_model_the_service_and_the_api_name_the_same_longest_block(world, frozen_clock):
    """One bound, one message: TimeSlot.clean and the reserve service refuse the same
    length with the same text, which names the bound in hours."""
    start = TUESDAY_14_UTC
    too_long = TimeSlot(
        employee=world.alice, start=start, end=start + LONGEST_BLOCK + timedelta(minutes=1),
        blocked_start=start, blocked_end=start + LONGEST_BLOCK + timedelta(minutes=1), holder="h",
    )  # fmt: skip
    with pytest.raises(ValidationError) as model_error:
        too_long.clean()
    with pytest.raises(InvalidRequest) as service_error:
        services.time_slot_reserve(
            actor=FACTORY_ACTOR,
            wanted=services.SlotRequest(
                start=start, end=too_long.end, employee=world.alice, topic=None, meeting_type=None
            ),
        )
    message = f"A time slot can block at most {LONGEST_BLOCK_HOURS} hours, buffers included."
    assert model_error.value.message_dict["end"] == [message]
    assert service_error.value.message == message
    assert service_error.value.field == "end"


def test_the_api_refuses_past_the_same_bound_with_the_same_message(world, frozen_clock):
    """The API's reserve: one minute past LONGEST_BLOCK is a 400 on endDate with the
    model's message; a 25-hour slot (the API's old 24-hour limit) is not refused as too long."""
    application = make_application("Partner", "read write")
    caller = Caller(application, issue_token(application, "read write"), Client())
    start = TUESDAY_14_UTC
    too_long = start + LONGEST_BLOCK + timedelta(minutes=1)
    body = reserve_body(world.alice, start=start.isoformat(), end=too_long.isoformat())
    response = caller.post("/api/bookme/time-slots/reserve", body)
    assert response.status_code == 400
    too_long_message = (
        f"A time slot can block at most {LONGEST_BLOCK_HOURS} hours, buffers included."
    )
    assert response.json() == {
        "message": too_long_message,
        "parameter": "timeSlot.endDate",
        "code": "slot_too_long",
    }
    day_long = start + timedelta(hours=25)
    body = reserve_body(world.alice, start=start.isoformat(), end=day_long.isoformat(), token="t2")
    response = caller.post("/api/bookme/time-slots/reserve", body)
    assert response.json()["message"] != too_long_message  # refused, for another reason
    assert not TimeSlot.objects.exists()


def test_no_second_longest_slot_constant():
    """No module but booking.slot_models defines a LONGEST_* bound of its own."""

    def found() -> Iterator[tuple[str, int]]:
        for path, tree in source_files():
            for node in ast.walk(tree):
                if isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if isinstance(target, ast.Name) and target.id.startswith("LONGEST"):
                            yield path, node.lineno

    assert outside_home(found(), home="booking/slot_models.py") == []


# --- lengths ------------------------------------------------------------------------------


def test_the_answer_and_contact_lengths_of_the_form_are_the_models():
    """The details form takes its limits from the model fields and constants."""
    question = InformationQuestion(pk=7, text="Why?", required=True)
    form = DetailsForm(questions=[question])
    customer = {name: Customer._meta.get_field(name).max_length for name in ("name", "phone")}
    assert form.fields["name"].max_length == customer["name"]
    assert form.fields["phone"].max_length == customer["phone"]
    assert form.fields["email"].max_length == Customer._meta.get_field("email").max_length
    assert form.fields["description"].max_length == DESCRIPTION_MAX_LENGTH
    assert form.fields["answer_7"].max_length == ANSWER_MAX_LENGTH
    assert MeetingAnswer._meta.get_field("answer").max_length == ANSWER_MAX_LENGTH


def test_the_service_refuses_an_answer_one_past_the_limit(world, frozen_clock):
    """ANSWER_MAX_LENGTH characters pass, one more is refused naming the question."""
    topic = factories.topic(employees=[world.alice], questions=["Why?"])
    question = topic.information_questions.get()
    with pytest.raises(InvalidRequest) as error:
        factories.meeting(
            topic=topic,
            employee=world.alice,
            start=TUESDAY_14_UTC,
            answers={question.pk: "x" * (ANSWER_MAX_LENGTH + 1)},
        )
    assert error.value.field == f"answers.{question.pk}"
    assert str(ANSWER_MAX_LENGTH) in error.value.message
    meeting = factories.meeting(
        topic=topic,
        employee=world.alice,
        start=TUESDAY_14_UTC - timedelta(hours=1),
        answers={question.pk: "x" * ANSWER_MAX_LENGTH},
    )
    assert len(meeting.answers.get().answer) == ANSWER_MAX_LENGTH


def test_no_limit_is_written_twice_as_a_number():
    """The answer length and the description length appear as numbers only in their home."""

    def found() -> Iterator[tuple[str, int]]:
        for path, tree in source_files():
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and node.value in {
                    ANSWER_MAX_LENGTH,
                    DESCRIPTION_MAX_LENGTH,
                }:
                    yield path, node.lineno

    assert outside_home(found()) == []


# --- session keys -------------------------------------------------------------------------


def test_session_keys_are_built_and_recognised_by_the_same_helpers():
    """A new key is single, a group key is a group, and neither is the other."""
    single = new_session_key()
    group = group_session_key(topic_id=1, employee_id=2, room_id=None, start=TUESDAY)
    assert is_single_session(single)
    assert not is_group_session(single)
    assert is_group_session(group)
    assert not is_single_session(group)
    assert is_single_session(single_session_key("abc"))
    assert group != group_session_key(topic_id=1, employee_id=2, room_id=3, start=TUESDAY)


def test_no_session_key_prefix_is_spelt_outside_its_home():
    """ "single:" and "group:" are written only in booking/session_keys.py."""

    def found() -> Iterator[tuple[str, int]]:
        for path, tree in source_files():
            for node in ast.walk(tree):
                # Only expressions hold strings, and every expression has a line number.
                if isinstance(node, ast.expr) and any(
                    text.startswith(("single:", "group:")) for text in string_parts(node)
                ):
                    yield path, node.lineno

    assert outside_home(found(), home="booking/session_keys.py") == []


# --- stored choices as the API names them -------------------------------------------------


@pytest.mark.parametrize(
    ("api_names", "stored"),
    [
        (get_args(TimeSlotStatusName), models.TimeSlotStatus.values),
        (get_args(MeetingStatusName), models.MeetingStatus.values),
        (get_args(BookedByName), models.BookedBy.values),
        ([t.value for t in MeetingTypeEnum], MeetingType.values),
    ],
)
def test_the_api_names_exactly_the_stored_choices(api_names, stored):
    """Every stored status, booked-by and meeting type converts to the API's names (the
    casts in the API's answers rely on it), and the API names nothing that is never stored."""
    assert sorted(api_names) == sorted(stored)
