""" "Add to Google Calendar" and "Outlook" links for a meeting, beside its .ics invite.

Both services open a prefilled new event from a plain URL, for people whose calendar is
a web page and who would not know what to do with an attached invite.ics. Unlike the
invite, such an event is a copy: a later reschedule or cancellation cannot update it,
so the emails keep the invite attached as well. Times are UTC instants, as in the invite.
The emails and the customer's confirmation page both build their links here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _

from booking.ical import manage_url, meeting_location

if TYPE_CHECKING:
    from booking.models import Meeting

GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
OUTLOOK_CALENDAR = "https://outlook.live.com/calendar/0/deeplink/compose"


@dataclass(frozen=True)
class CalendarEvent:
    """What both links describe: a title, two aware instants, details and a place."""

    title: str
    start: datetime
    end: datetime
    details: str = ""
    location: str = ""

    def __post_init__(self) -> None:
        # A naive time would be read in the viewer's zone: a silently wrong hour.
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Calendar link times must be timezone-aware.")
        if self.end <= self.start:
            raise ValueError("A calendar event must end after it starts.")


@dataclass(frozen=True)
class CalendarLinks:
    google: str
    outlook: str


def _query(params: dict[str, str]) -> str:
    # %20 rather than "+": Outlook's compose page shows a "+" literally.
    return urlencode({k: v for k, v in params.items() if v}, safe="/:", quote_via=quote)


def google_url(event: CalendarEvent) -> str:
    """Google Calendar's "create event" template; dates as UTC basic format, start/end."""

    def basic(instant: datetime) -> str:
        return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    params = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{basic(event.start)}/{basic(event.end)}",
        "details": event.details,
        "location": event.location,
    }
    return f"{GOOGLE_CALENDAR}?{_query(params)}"


def outlook_url(event: CalendarEvent) -> str:
    """Outlook on the web's compose deeplink; times as ISO 8601 in UTC."""

    def iso(instant: datetime) -> str:
        return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    params = {
        "subject": event.title,
        "startdt": iso(event.start),
        "enddt": iso(event.end),
        "body": event.details,
        "location": event.location,
    }
    return f"{OUTLOOK_CALENDAR}?{_query(params)}"


def calendar_links(event: CalendarEvent) -> CalendarLinks:
    return CalendarLinks(google=google_url(event), outlook=outlook_url(event))


def meeting_calendar_links(meeting: Meeting, *, with_manage_link: bool) -> CalendarLinks:
    """The meeting's links, its texts in the active language.

    `with_manage_link` puts the customer's manage link into the event's details, as the
    invite does; pages and emails for anyone but the customer leave it out.
    """
    details = [meeting.description.strip()]
    if with_manage_link:
        details.append(
            _("Reschedule or cancel this meeting: %(url)s") % {"url": manage_url(meeting)}
        )
    return calendar_links(
        CalendarEvent(
            title=meeting.subject,
            start=meeting.start,
            end=meeting.end,
            details="\n\n".join(part for part in details if part),
            location=meeting_location(meeting),
        )
    )
