"""What happened at a meeting, as staff record it: completed, or the customer did not come."""

from __future__ import annotations

from datetime import datetime

from django.db import models, transaction
from django.utils import timezone

from booking.actors import Actor
from booking.errors import InvalidRequest, InvalidState, NotFound
from booking.models import BookingEventKind, Meeting, MeetingOutcome, MeetingStatus
from booking.services.events import record_event

# The outcome's event: the audit trail shows it, and a no-show tells the API client
# (webhook `meeting.no_show`, booking.webhooks).
OUTCOME_EVENTS = {
    MeetingOutcome.COMPLETED: BookingEventKind.COMPLETED,
    MeetingOutcome.NO_SHOW: BookingEventKind.NO_SHOW,
}


def meeting_field_max_length(name: str) -> int:
    """A text field's limit, read from the model: its one home."""
    field = Meeting._meta.get_field(name)
    assert isinstance(field, models.Field), name
    assert field.max_length is not None, name
    return field.max_length


INTERNAL_NOTE_MAX_LENGTH = meeting_field_max_length("internal_note")


@transaction.atomic
def meeting_record_outcome(
    *,
    actor: Actor,
    meeting_id: int,
    outcome: str,
    internal_note: str | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Mark a confirmed meeting whose time has begun completed or no-show, with staff's note.

    A correction (no-show -> completed) records a new event; saving the same outcome again
    only updates the note, so a second click sends no second `meeting.no_show`. The caller
    has checked that the actor may see the meeting (the staff pages answer 404 otherwise).
    """
    now = now or timezone.now()
    if outcome not in OUTCOME_EVENTS:
        raise InvalidRequest("outcome_unknown", field="outcome")
    if internal_note is not None and len(internal_note) > INTERNAL_NOTE_MAX_LENGTH:
        raise InvalidRequest(
            "internal_note_too_long", field="internal_note", limit=INTERNAL_NOTE_MAX_LENGTH
        )
    # Locked: a cancellation or a move at the same moment must not slip under the outcome.
    meeting = (
        Meeting.objects.select_for_update()
        .select_related("time_slot")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise NotFound("meeting_not_found", field="meeting")
    if meeting.status != MeetingStatus.CONFIRMED:
        raise InvalidState("outcome_meeting_cancelled", field="meeting")
    if now < meeting.start:
        raise InvalidState("outcome_too_early", field="outcome")
    changed = meeting.outcome != outcome
    fields = ["updated_at"]
    if changed:
        meeting.outcome = outcome
        meeting.outcome_at = now
        fields += ["outcome", "outcome_at"]
    if internal_note is not None:
        meeting.internal_note = internal_note
        fields.append("internal_note")
    meeting.save(update_fields=fields)
    if changed:
        record_event(
            OUTCOME_EVENTS[MeetingOutcome(outcome)],
            actor=actor,
            now=now,
            meeting=meeting,
            data={"outcome": outcome},
        )
    return meeting
