"""An employee's absence, and the booked meetings it collides with: move or cancel each.

Entering an absence is always saved (an absence over booked meetings is still an absence);
the meetings it collides with are then moved, one by one, to a colleague free at the same
time for the same topic (with a room for an in-person meeting), or cancelled with a message
that invites the customer to book again. Both go through the meeting services, so the
customer gets the usual `moved` / `cancelled` emails from the recorded events.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from booking.actors import Actor
from booking.errors import BookingError, InvalidRequest, InvalidState, NotFound, SlotUnavailable
from booking.models import Meeting, MeetingStatus, is_single_session
from booking.search import SlotSearch, find_slots
from booking.services.meetings import meeting_cancel, meeting_reschedule, requested_features
from booking.services.time_slots import SlotRequest, is_deadlock, time_slot_reserve
from config_data.models import Absence, Employee, MeetingTopic, MeetingType, Room


def absence_create(
    *, employee: Employee, start: datetime, end: datetime, reason: str = ""
) -> Absence:
    """Record the absence; whatever it collides with is decided afterwards, meeting by meeting."""
    absence = Absence(employee=employee, start=start, end=end, reason=reason.strip())
    absence.full_clean()
    absence.save()
    return absence


def colliding_meetings(
    *, employee_id: int, start: datetime, end: datetime, now: datetime
) -> QuerySet[Meeting]:
    """The employee's confirmed meetings that overlap the period and have not begun yet: a
    begun meeting can be neither moved nor cancelled, only given its outcome."""
    return (
        Meeting.objects.confirmed()
        .upcoming(now)
        .filter(
            time_slot__start__gt=now,
            time_slot__employee_id=employee_id,
            time_slot__start__lt=end,
            time_slot__end__gt=start,
        )
        .select_related("time_slot__employee", "time_slot__room", "topic", "customer")
    )


def _own_session_key(meeting: Meeting) -> str:
    """The meeting's own slot must not block its move (as when a customer reschedules)."""
    key = meeting.time_slot.session_key
    return key if is_single_session(key) else ""


def _staff_rules(topic: MeetingTopic) -> MeetingTopic:
    """The topic as staff moving a meeting at its own time see it: its minimum notice keeps
    customers from booking at the last minute, but an adviser falling ill this morning must
    not leave this afternoon's meetings stuck. Every other rule of the topic holds. An
    unsaved copy: the slot still refers to the topic itself."""
    relaxed = copy.copy(topic)
    relaxed.minimum_notice = 0
    return relaxed


def move_candidates(meeting: Meeting, *, now: datetime) -> list[Employee]:
    """Colleagues at the absent employee's branch free at exactly the meeting's time for its
    topic and meeting type (and, in person, with a free room), by name.

    The same search as the website's picker (booking.search.find_slots), so its rules hold
    (the topic's employees, their hours and absences, buffers, a free room) but the notice.
    """
    slot = meeting.time_slot
    absent = slot.employee
    if absent is None or meeting.status != MeetingStatus.CONFIRMED or slot.start <= now:
        return []
    search = SlotSearch(
        start=slot.start,
        end=slot.start + timedelta(seconds=1),
        topic=_staff_rules(meeting.topic),
        meeting_types=frozenset({meeting.meeting_type}),
        location_id=absent.location_id,
        ignore_session_key=_own_session_key(meeting),
        # The meeting's own length (a profile's may differ from the topic's) and the room
        # features the customer asked for: the move keeps both.
        duration=slot.end - slot.start,
        room_features=_asked_features(meeting) or None,
    )
    free_ids = {
        found.employee_id
        for found in find_slots(search, now=now)
        if found.start == slot.start
        and found.end == slot.end
        and found.employee_id not in (None, absent.pk)
    }
    return list(Employee.objects.filter(pk__in=free_ids).order_by("name", "pk"))


def _asked_features(meeting: Meeting) -> frozenset[int]:
    """What the customer asked of the room; only an in-person meeting has one."""
    if meeting.meeting_type != MeetingType.PHYSICAL:
        return frozenset()
    return requested_features(meeting)


def _meeting(meeting_id: int) -> Meeting:
    try:
        return Meeting.objects.select_related("time_slot", "topic").get(pk=meeting_id)
    except Meeting.DoesNotExist:
        raise NotFound("meeting_not_found", field="meeting") from None


def absence_meeting_move(
    *, actor: Actor, meeting_id: int, colleague: Employee, now: datetime | None = None
) -> Meeting:
    """Move the meeting to `colleague` at the same time: hold the colleague's time, then
    reschedule onto it (the new time is booked before the old is freed).

    An in-person meeting keeps its room when that is free, else takes another free one.
    The time is guarded as any booking is: on PostgreSQL the exclusion constraints refuse a
    colleague's time given twice (two staff moving two meetings onto one colleague at once),
    on SQLite the IMMEDIATE write lock serialises the re-check and the insert. The loser
    gets `colleague_not_free`, and the meeting keeps its time.
    """
    now = now or timezone.now()
    meeting = _meeting(meeting_id)
    slot = meeting.time_slot
    if meeting.status != MeetingStatus.CONFIRMED:
        raise InvalidState("meeting_cancelled", field="meeting")
    if slot.start <= now:
        raise InvalidState("meeting_already_begun", field="meeting")
    if colleague.pk == slot.employee_id:
        raise InvalidRequest("colleague_is_absent_employee", field="employee")
    asked = _asked_features(meeting) or None
    rooms: list[Room | None] = [None]
    if meeting.meeting_type == MeetingType.PHYSICAL and slot.room is not None:
        rooms = [slot.room, None]  # the customer's room first: the same place to come to
    for room in rooms:
        wanted = SlotRequest(
            start=slot.start,
            end=slot.end,
            employee=colleague,
            room=room,
            topic=_staff_rules(meeting.topic),
            meeting_type=meeting.meeting_type,
            room_features=asked,
        )
        try:
            # One transaction: a failing reschedule gives the colleague's time back at once.
            with transaction.atomic():
                hold, _created = time_slot_reserve(
                    actor=actor, wanted=wanted, moving=meeting, now=now
                )
                return meeting_reschedule(
                    actor=actor, meeting_id=meeting.pk, new_time_slot_id=hold.pk, now=now
                )
        except SlotUnavailable:
            continue
        except (IntegrityError, OperationalError) as exc:
            # PostgreSQL: booking the new slot re-checks the exclusion constraint, and a
            # concurrent move onto the same colleague may wait on ours while we wait on
            # theirs; one of the two is aborted (a deadlock) or refused. It lost the race.
            if isinstance(exc, OperationalError) and not is_deadlock(exc):
                raise
            continue
    raise SlotUnavailable("colleague_not_free", field="employee", name=colleague.name)


def absence_meeting_cancel(
    *, actor: Actor, meeting_id: int, message: str, now: datetime | None = None
) -> Meeting:
    """Cancel the meeting with staff's message; the cancellation email shows it and invites
    the customer to book a new time."""
    meeting = _meeting(meeting_id)
    if meeting.status != MeetingStatus.CONFIRMED:
        raise InvalidState("meeting_was_cancelled", field="meeting")
    return meeting_cancel(actor=actor, meeting_id=meeting.pk, now=now, reason=message)


@dataclass(frozen=True)
class Resolution:
    """What became of one colliding meeting: moved to a colleague, cancelled, or why not."""

    meeting: Meeting
    moved_to: Employee | None = None
    cancelled: bool = False
    error: str = ""


def absence_move_all(
    *, actor: Actor, meetings: list[Meeting], now: datetime | None = None
) -> list[Resolution]:
    """Move each meeting to the first colleague still free for it, one after the other (a
    colleague given the first meeting is no longer free for a second at the same time).
    A meeting nobody can take stays as it is, with the reason."""
    now = now or timezone.now()
    results = []
    for meeting in meetings:
        results.append(_move_to_any(actor=actor, meeting=meeting, now=now))
    return results


def _move_to_any(*, actor: Actor, meeting: Meeting, now: datetime) -> Resolution:
    candidates = move_candidates(meeting, now=now)
    error = ""
    for colleague in candidates:
        try:
            moved = absence_meeting_move(
                actor=actor, meeting_id=meeting.pk, colleague=colleague, now=now
            )
        except SlotUnavailable as e:  # someone quicker: the next colleague
            error = e.message
            continue
        except BookingError as e:
            return Resolution(meeting=meeting, error=e.message)
        return Resolution(meeting=moved, moved_to=colleague)
    if not candidates:
        error = SlotUnavailable("no_colleague_free").message
    return Resolution(meeting=meeting, error=error)


def absence_cancel_all(
    *, actor: Actor, meetings: list[Meeting], message: str, now: datetime | None = None
) -> list[Resolution]:
    """Cancel each meeting with the same message."""
    results = []
    for meeting in meetings:
        try:
            cancelled = absence_meeting_cancel(
                actor=actor, meeting_id=meeting.pk, message=message, now=now
            )
        except BookingError as e:
            results.append(Resolution(meeting=meeting, error=e.message))
        else:
            results.append(Resolution(meeting=cancelled, cancelled=True))
    return results
