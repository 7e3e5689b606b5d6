"""Emails about a meeting: to the customer (with the invite) and to the employee.

The services call these through transaction.on_commit, so a mail is only sent for a
change that was saved. Sending never raises: a failing mail server is logged here and
the booking, already committed, stays as it is.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from datetime import datetime
from email.mime.text import MIMEText
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from booking.ical import manage_url, meeting_calendar, meeting_location
from booking.models import Meeting, MeetingStatus

logger = logging.getLogger(__name__)

CONFIRMED = "confirmed"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"


def meeting_confirmed(meeting_id: int) -> int:
    """A new booking. Returns how many emails went out."""
    return _notify(meeting_id, CONFIRMED)


def meeting_rescheduled(meeting_id: int, *, previous_start: datetime | None = None) -> int:
    """The meeting moved; `previous_start` is the time it had before."""
    return _notify(meeting_id, RESCHEDULED, previous_start=previous_start)


def meeting_cancelled(meeting_id: int) -> int:
    """The meeting was cancelled: the invite is a METHOD:CANCEL for the same event."""
    return _notify(meeting_id, CANCELLED)


# One email lists at most this many meetings: enough for any customer, bounded for abuse.
LOST_LINKS_MAX_MEETINGS = 50


def lost_links(email: str, *, language: str, now: datetime | None = None) -> int:
    """The manage links of an address's upcoming meetings, in one plain-text email.

    Sends nothing when the address has none, so a stranger learns nothing; the caller
    answers the same either way. Returns how many emails went out; never raises.
    """
    email = email.strip()
    if not email:
        return 0
    try:
        meetings = list(
            Meeting.objects.with_details()
            .confirmed()
            .upcoming(now or timezone.now())
            .filter(customer__email__iexact=email)[:LOST_LINKS_MAX_MEETINGS]
        )
        if not meetings:
            return 0
        # To the address as we have it, not as the request spelt it.
        to = meetings[0].customer.email
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        with translation.override(language):
            context = {"meetings": [_listed(m) for m in meetings]}
            subject = _subject("email/lost_links.txt#subject", context, zone)
            body = _render("email/lost_links.txt#body", context, zone)
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            headers={"Auto-Submitted": "auto-generated"},
        )
        return message.send()
    except Exception:
        logger.exception("Could not send the lost-links email")
        return 0


def _listed(meeting: Meeting) -> dict[str, str]:
    """One meeting of the lost-links email, its time written out in its own zone."""
    zone = meeting_zone(meeting)
    start = meeting.start.astimezone(zone)
    when = f"{formats.date_format(start, 'l')}, {formats.date_format(start, 'DATETIME_FORMAT')}"
    return {
        "topic": meeting.topic.name,
        "when": when,
        "zone_name": zone.key,
        "manage_url": manage_url(meeting),
    }


def meeting_zone(meeting: Meeting) -> zoneinfo.ZoneInfo:
    """The zone the meeting's times are shown in: the one rule, Meeting.display_zone."""
    return meeting.display_zone


def _notify(meeting_id: int, event: str, **extra: Any) -> int:
    try:
        meeting = Meeting.objects.with_details().get(pk=meeting_id)
        messages = []
        if meeting.customer.email:
            messages.append(_customer_message(meeting, event, extra))
        else:
            # An API client's customer known by reference only: the client has the invite.
            logger.info(
                "No %s email to the customer of meeting %s: no email address", event, meeting_id
            )
        if meeting.employee is not None:
            messages.append(_employee_message(meeting, event, extra))
    except Exception:
        logger.exception("Could not prepare the %s emails for meeting %s", event, meeting_id)
        return 0
    sent = 0
    for message in messages:
        try:
            sent += message.send()
        except Exception:
            # The booking is committed; a mail server failing must not undo or hide it.
            logger.exception(
                "Could not send the %s email for meeting %s to %s",
                event,
                meeting_id,
                ", ".join(message.to),
            )
    return sent


def _context(meeting: Meeting, extra: dict[str, Any]) -> dict[str, Any]:
    zone = meeting_zone(meeting)
    previous = extra.get("previous_start")
    return {
        "meeting": meeting,
        "customer": meeting.customer,
        "employee": meeting.employee,
        "topic": meeting.topic,
        "start": meeting.start.astimezone(zone),
        "end": meeting.end.astimezone(zone),
        "previous_start": previous.astimezone(zone) if previous else None,
        "zone_name": zone.key,
        "location": meeting_location(meeting),
        "manage_url": manage_url(meeting),
        "site_url": settings.BOOKME_SITE_URL.rstrip("/") + "/",
        "answers": list(meeting.answers.all()),
        "cancelled": meeting.status == MeetingStatus.CANCELLED,
    }


def _render(template: str, context: dict[str, Any], zone: zoneinfo.ZoneInfo) -> str:
    with timezone.override(zone):
        text: str = render_to_string(template, context)
    # Template tags leave blank lines and trailing spaces behind; plain text wants neither.
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def _subject(template: str, context: dict[str, Any], zone: zoneinfo.ZoneInfo) -> str:
    return " ".join(_render(template, context, zone).split())


def _invite(meeting: Meeting) -> MIMEText:
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    part = MIMEText(meeting_calendar(meeting).decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def _message(
    *,
    meeting: Meeting,
    event: str,
    recipient: str,
    to: str,
    reply_to: str | None,
    language: str,
    extra: dict[str, Any],
) -> EmailMessage:
    zone = meeting_zone(meeting)
    template = f"email/meeting_{event}.txt"
    with translation.override(language):
        context = _context(meeting, extra)
        subject = _subject(f"{template}#{recipient}_subject", context, zone)
        body = _render(f"{template}#{recipient}_body", context, zone)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach(_invite(meeting))
    return message


def _customer_message(meeting: Meeting, event: str, extra: dict[str, Any]) -> EmailMessage:
    employee = meeting.employee
    return _message(
        meeting=meeting,
        event=event,
        recipient="customer",
        to=meeting.customer.email,
        reply_to=employee.email if employee else None,
        language=meeting.language or settings.LANGUAGE_CODE,
        extra=extra,
    )


def _employee_message(meeting: Meeting, event: str, extra: dict[str, Any]) -> EmailMessage:
    assert meeting.employee is not None
    return _message(
        meeting=meeting,
        event=event,
        recipient="employee",
        to=meeting.employee.email,
        reply_to=meeting.customer.email or None,
        language=settings.LANGUAGE_CODE,
        extra=extra,
    )
