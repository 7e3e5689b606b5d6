"""The meeting as an iCalendar invite (RFC 5545, with RFC 5546's REQUEST and CANCEL).

One VEVENT per meeting whose UID never changes and whose SEQUENCE the services raise
on every change, so that calendar clients update the event they already have (a
reschedule) or remove it (METHOD:CANCEL) instead of adding a second one.
The website's download, the emails and the API's ical endpoint all use this module.
Times are UTC instants, never local: a calendar shows them in its reader's zone, so the
invite has no display zone of its own to drift from Meeting.display_zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vDuration, vText

from booking.models import Meeting, MeetingStatus
from config_data.models import MeetingType

PRODID = "-//BookMe//BookMe meetings//EN"


def manage_url(meeting: Meeting) -> str:
    """The absolute address of the meeting's manage page (the link in emails and invites)."""
    path = reverse("booking:manage", kwargs={"reference": meeting.reference})
    return settings.BOOKME_SITE_URL.rstrip("/") + path


def meeting_location(meeting: Meeting) -> str:
    """Where the meeting happens, as one text: address lines, an online link or "Phone"."""
    employee, room = meeting.employee, meeting.room
    if meeting.meeting_type == MeetingType.ONLINE:
        return meeting.join_link or _("Online")
    if meeting.meeting_type == MeetingType.PHONE:
        return _("Phone")
    if room is not None:
        return ", ".join([room.name, *room.address_lines()])
    if employee is not None:
        return ", ".join(employee.address_lines())
    return ""


def _organizer(meeting: Meeting) -> vCalAddress:
    employee = meeting.employee
    if employee is not None:
        name, email = employee.name, employee.email
    else:  # a room-only meeting: the organisation itself organises it
        name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
        name = name or "BookMe"
    organizer = vCalAddress(f"mailto:{email}")
    organizer.params["CN"] = vText(name)
    return organizer


def _attendee(meeting: Meeting, *, cancelled: bool) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{meeting.customer.email}")
    attendee.params["CN"] = vText(meeting.customer.display_name)
    attendee.params["CUTYPE"] = vText("INDIVIDUAL")
    attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
    # The customer chose the time themselves: nothing to answer, already accepted.
    attendee.params["PARTSTAT"] = vText("DECLINED" if cancelled else "ACCEPTED")
    attendee.params["RSVP"] = vText("FALSE")
    return attendee


def _description(meeting: Meeting, description: str | None) -> str:
    body = description if description is not None else meeting.description
    if description is None and meeting.profile_text:  # booked through a profile's page
        body = f"{meeting.profile_text}\n\n{body.strip()}"
    hint = _("Reschedule or cancel this meeting: %(url)s") % {"url": manage_url(meeting)}
    return f"{body.strip()}\n\n{hint}" if body.strip() else hint


def meeting_calendar(
    meeting: Meeting, *, title: str | None = None, description: str | None = None
) -> bytes:
    """The meeting's .ics: REQUEST while it is confirmed, CANCEL once it is cancelled.

    `title` and `description` replace the default summary (the topic's name) and the
    meeting's own description; texts are in the meeting's language.
    """
    cancelled = meeting.status == MeetingStatus.CANCELLED
    with translation.override(meeting.language or settings.LANGUAGE_CODE):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "CANCEL" if cancelled else "REQUEST")

        event = Event()
        event.add("uid", meeting.ical_uid)
        event.add("sequence", meeting.ical_sequence)
        event.add("dtstamp", timezone.now().astimezone(UTC))
        event.add("last-modified", meeting.updated_at.astimezone(UTC))
        event.add("dtstart", meeting.start.astimezone(UTC))
        event.add("dtend", meeting.end.astimezone(UTC))
        event.add("summary", title or meeting.subject)
        event.add("description", _description(meeting, description))
        location = meeting_location(meeting)
        if location:
            event.add("location", location)
        if meeting.meeting_type == MeetingType.ONLINE and location.startswith("http"):
            event.add("url", location)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        event.add("organizer", _organizer(meeting))
        # A customer known only by the API client's reference has no calendar address.
        if meeting.customer.email:
            event.add("attendee", _attendee(meeting, cancelled=cancelled))
        calendar.add_component(event)
    return calendar.to_ical()


# --- an employee's subscription feed (booking.staff.feeds) --------------------------------


def feed_calendar(
    *, name: str, meetings: Iterable[Meeting], hide_customer_details: bool, refresh: timedelta
) -> bytes:
    """A published calendar (METHOD:PUBLISH) of meetings, for calendar subscriptions.

    Each event keeps the meeting's UID and SEQUENCE, so a subscribed calendar updates the
    event it has when a meeting moves. No ORGANIZER or ATTENDEE: a subscription is read
    only, and clients would otherwise offer to answer or mail the customer. Times are UTC,
    as in the invites. `meetings` needs topic, customer, slot, employee and room loaded,
    and answers prefetched unless customer details are hidden.
    """
    with translation.override(settings.LANGUAGE_CODE):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", name)
        calendar.add("name", name)  # RFC 7986's spelling of X-WR-CALNAME
        # How often clients should fetch again: RFC 7986, and Outlook's older property.
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
        stamp = timezone.now().astimezone(UTC)
        for meeting in meetings:
            calendar.add_component(
                _feed_event(meeting, stamp=stamp, hide_customer_details=hide_customer_details)
            )
    return calendar.to_ical()


def _feed_event(meeting: Meeting, *, stamp: datetime, hide_customer_details: bool) -> Event:
    event = Event()
    event.add("uid", meeting.ical_uid)
    event.add("sequence", meeting.ical_sequence)
    event.add("dtstamp", stamp)
    event.add("last-modified", meeting.updated_at.astimezone(UTC))
    event.add("dtstart", meeting.start.astimezone(UTC))
    event.add("dtend", meeting.end.astimezone(UTC))
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    location = meeting_location(meeting)
    if location:
        event.add("location", location)
    if meeting.meeting_type == MeetingType.ONLINE and location.startswith("http"):
        event.add("url", location)
    if hide_customer_details:
        event.add("summary", meeting.topic.name)
        return event
    customer = meeting.customer
    event.add("summary", f"{meeting.topic.name}: {customer.display_name}")
    # Shared calendars show a private event as busy time only.
    event.add("class", "PRIVATE")
    lines = [customer.display_name]
    lines += [value for value in (customer.email, customer.phone) if value]
    lines.append(str(meeting.get_meeting_type_display()))
    if meeting.description.strip():
        lines += ["", meeting.description.strip()]
    answers = [f"{a.question_text}: {a.answer}" for a in meeting.answers.all() if a.answer]
    if answers:
        lines += ["", *answers]
    event.add("description", "\n".join(lines))
    return event
