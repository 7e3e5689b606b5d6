"""What a webhook delivery carries: the event as the API shows it, and its signature."""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal, cast

from pydantic import Field

from booking.api.meetings import meeting_out
from booking.api.models import WebhookEventType
from booking.api.schemas import Instant, MeetingOut, OutSchema, TimeSlotOut
from booking.api.time_slots import time_slot_out
from booking.models import BookingEvent, BookingEventKind, Meeting, TimeSlot

SIGNATURE_HEADER = "BookMe-Signature"
EVENT_ID_HEADER = "BookMe-Event-Id"

# The API's names (a test keeps them equal to WebhookEventType's values).
WebhookEventName = Literal[
    "meeting.created",
    "meeting.rescheduled",
    "meeting.cancelled",
    "meeting.no_show",
    "time_slot.expired",
]

# Booking event kind -> the webhook event type it is. "no_show" is recorded by staff
# marking a meeting (booking.services.outcomes); "completed" tells clients nothing.
EVENT_TYPES: dict[str, WebhookEventType] = {
    BookingEventKind.MEETING_CREATED: WebhookEventType.MEETING_CREATED,
    BookingEventKind.MOVED: WebhookEventType.MEETING_RESCHEDULED,
    BookingEventKind.CANCELLED: WebhookEventType.MEETING_CANCELLED,
    BookingEventKind.NO_SHOW: WebhookEventType.MEETING_NO_SHOW,
    BookingEventKind.EXPIRED: WebhookEventType.TIME_SLOT_EXPIRED,
}


class WebhookEventOut(OutSchema):
    """The body of every delivery."""

    id: str = Field(
        description="The event's id: the same in every retry and resend, so skip one you have "
        "handled already. Also in the BookMe-Event-Id header.",
        examples=["9876"],
    )
    type: WebhookEventName
    created_at: Instant = Field(description="When it happened.")
    data: MeetingOut | TimeSlotOut = Field(
        description="The meeting as GET /bookme/meetings/{meetingId} returns it, or for "
        "time_slot.expired the time slot as GET /bookme/time-slots/{timeSlotId} does."
    )


def envelope(event: BookingEvent) -> str | None:
    """The event as the client receives it, or None when its meeting or slot is gone."""
    event_type = EVENT_TYPES[event.kind]
    data: MeetingOut | TimeSlotOut
    if event_type == WebhookEventType.TIME_SLOT_EXPIRED:
        slot = TimeSlot.objects.filter(events=event).first()
        if slot is None:
            return None
        data = time_slot_out(slot)
    else:
        meetings = Meeting.objects.with_details().prefetch_related("answers")
        meeting = meetings.filter(events=event).first()
        if meeting is None:
            return None
        data = meeting_out(meeting)
    out = WebhookEventOut(
        id=str(event.pk),
        type=cast(WebhookEventName, event_type.value),
        created_at=event.created_at,
        data=data,
    )
    return out.model_dump_json(by_alias=True)


def sign(secret: str, timestamp: int, body: str) -> str:
    """The BookMe-Signature header: HMAC-SHA256 of "<timestamp>.<body>" with the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
