"""Reminder emails before a meeting, planned from its booking events.

A new or moved meeting gets one "reminder.send" effect per offset of its topic
(MeetingTopic.reminder_offsets), due that many minutes of elapsed time before the start:
a 24-hour reminder comes 24 real hours before, across a DST change too. The key carries the
meeting's ical_sequence, which every reschedule and cancellation raises: a move plans a
fresh set under the new sequence and cancels the old ones. The effect re-checks everything
when it runs, so a reminder that slipped past a cancellation still sends nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from booking import effects, emails, tasks
from booking.models import BookingEvent, Meeting, MeetingStatus

logger = logging.getLogger(__name__)

REMINDER = "reminder.send"


def reminder_key_prefix(meeting_id: int, sequence: int | None = None) -> str:
    """The keys of a meeting's reminders (of one sequence, if given); ends in ":" so that
    meeting 1's prefix never matches meeting 12's keys."""
    if sequence is None:
        return f"reminder:{meeting_id}:"
    return f"reminder:{meeting_id}:{sequence}:"


def reminder_key(meeting_id: int, sequence: int, offset_minutes: int) -> str:
    return f"{reminder_key_prefix(meeting_id, sequence)}{offset_minutes}"


def reminder_due(start: datetime, offset_minutes: int) -> datetime:
    """When a reminder is due: elapsed time before the start (aware datetimes subtract in
    UTC), never the same wall-clock time a day earlier."""
    return start - timedelta(minutes=offset_minutes)


@effects.on("meeting_created", "moved")
def plan_reminders(event: BookingEvent) -> None:
    """Schedule the meeting's reminders for its current time; cancel those of older times."""
    if event.meeting_id is None:
        return
    meeting = (
        Meeting.objects.select_related("time_slot", "topic").filter(pk=event.meeting_id).first()
    )
    if meeting is None:
        return  # deleted since (the event keeps its row)
    for sequence in range(meeting.ical_sequence):
        tasks.cancel_scheduled(reminder_key_prefix(meeting.pk, sequence))
    if meeting.status != MeetingStatus.CONFIRMED:
        return  # cancelled since: its own event cancels whatever is left
    now = timezone.now()
    for offset in meeting.topic.reminder_offsets:
        run_after = reminder_due(meeting.start, offset)
        if run_after <= now:
            continue  # booked closer to the start than this reminder: it would come late
        tasks.schedule(
            REMINDER,
            key=reminder_key(meeting.pk, meeting.ical_sequence, offset),
            run_after=run_after,
            meeting_id=meeting.pk,
            sequence=meeting.ical_sequence,
            offset_minutes=offset,
        )


@effects.on("cancelled")
def cancel_reminders(event: BookingEvent) -> None:
    if event.meeting_id is not None:
        tasks.cancel_scheduled(reminder_key_prefix(event.meeting_id))


def skip_reason(meeting: Meeting | None, *, sequence: int, now: datetime) -> str | None:
    """Why a due reminder must not go out (None: send it)."""
    if meeting is None:
        return "the meeting no longer exists"
    if meeting.status != MeetingStatus.CONFIRMED:
        return "the meeting was cancelled"
    if meeting.ical_sequence != sequence:
        return "the meeting was moved or changed after this reminder was planned"
    if now >= meeting.start:
        return "the meeting has begun"
    if not meeting.customer.email:
        return "the customer has no email address"
    return None


@tasks.effect(REMINDER)
def send_reminder(*, meeting_id: int, sequence: int, offset_minutes: int) -> None:
    """The worker's half: re-check the meeting as it is now, then email the customer."""
    meeting = Meeting.objects.with_details().filter(pk=meeting_id).first()
    reason = skip_reason(meeting, sequence=sequence, now=timezone.now())
    if reason is not None:
        logger.info("No %s-minute reminder for meeting %s: %s", offset_minutes, meeting_id, reason)
        return
    emails.meeting_reminder(meeting_id)
