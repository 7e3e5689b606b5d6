"""Emails about a meeting: to the customer (with the invite) and to the employee.

Every email is HTML with a plain-text part, branded like the site, rendered from a pair
of templates that extend email/base.txt and email/base.html: `render_email` renders any
pair, `meeting_email` builds a meeting's message for one recipient (their language, the
times in the meeting's zone, the invite, the manage and calendar links).

The worker sends them (booking.effects, booking.reminders): `send_meeting_email` raises
when sending fails, so the worker retries. The older per-event functions
(meeting_confirmed, ...) send to everyone at once and never raise; they log instead.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from booking import tasks
from booking.actors import CUSTOMER_KINDS
from booking.calendar_links import meeting_calendar_links
from booking.ical import manage_url, meeting_calendar, meeting_location
from booking.models import BookingEventKind, Meeting, MeetingStatus
from config_data.models import MeetingType

logger = logging.getLogger(__name__)

CONFIRMED = "confirmed"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"

CUSTOMER = "customer"
EMPLOYEE = "employee"


def meeting_confirmed(meeting_id: int) -> int:
    """A new booking. Returns how many emails went out."""
    return _notify(meeting_id, CONFIRMED)


def meeting_rescheduled(meeting_id: int, *, previous_start: datetime | None = None) -> int:
    """The meeting moved; `previous_start` is the time it had before."""
    return _notify(meeting_id, RESCHEDULED, previous_start=previous_start)


def meeting_cancelled(meeting_id: int) -> int:
    """The meeting was cancelled: the invite is a METHOD:CANCEL for the same event."""
    return _notify(meeting_id, CANCELLED)


def send_meeting_email(
    meeting_id: int, event: str, *, recipient: str, previous_start: datetime | None = None
) -> int:
    """One email of a meeting's `event` to its "customer" or "employee", for the worker
    (booking.effects): unlike the functions above it raises when sending fails, so the
    worker retries. Returns 0 when there is nobody to write to."""
    meeting = Meeting.objects.with_details().filter(pk=meeting_id).first()
    if meeting is None:
        return 0
    if recipient not in (CUSTOMER, EMPLOYEE):
        raise ValueError(f"Unknown recipient {recipient!r}")
    if not _has_address(meeting, recipient):
        return 0
    message = meeting_email(
        meeting,
        f"email/meeting_{event}_{recipient}",
        recipient=recipient,
        previous_start=previous_start,
    )
    return message.send()


def meeting_reminder(meeting_id: int, *, now: datetime | None = None) -> int:
    """The customer's reminder of a coming meeting, for the worker (booking.reminders
    decides whether it is still due). Raises when sending fails, so the worker retries;
    returns 0 when there is nobody to write to."""
    meeting = Meeting.objects.with_details().filter(pk=meeting_id).first()
    if meeting is None or not _has_address(meeting, CUSTOMER):
        return 0
    # Past the cut-off the manage page no longer offers changes: the email says so.
    can_change = meeting.can_change(now or timezone.now())
    message = meeting_email(
        meeting, "email/meeting_reminder", recipient=CUSTOMER, context={"can_change": can_change}
    )
    return message.send()


# One email lists at most this many meetings: enough for any customer, bounded for abuse.
LOST_LINKS_MAX_MEETINGS = 50


def lost_links(email: str, *, language: str, now: datetime | None = None) -> int:
    """The manage links of an address's upcoming meetings, in one email.

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
        with translation.override(language):
            context = {"meetings": [_listed(m) for m in meetings]}
        rendered = render_email(
            "email/lost_links",
            context,
            language=language,
            zone=zoneinfo.ZoneInfo(settings.TIME_ZONE),
        )
        # To the address as we have it, not as the request spelt it.
        return email_message(rendered, to=meetings[0].customer.email).send()
    except Exception:
        logger.exception("Could not send the lost-links email")
        return 0


def _listed(meeting: Meeting) -> dict[str, str]:
    """One meeting of the lost-links email, its time written out in the customer's zone."""
    zone = meeting_zone(meeting, recipient=CUSTOMER)
    start = meeting.start.astimezone(zone)
    when = f"{formats.date_format(start, 'l')}, {formats.date_format(start, 'DATETIME_FORMAT')}"
    return {
        "topic": meeting.topic.name,
        "when": when,
        "zone_name": zone.key,
        "manage_url": manage_url(meeting),
    }


def meeting_zone(meeting: Meeting, *, recipient: str) -> zoneinfo.ZoneInfo:
    """The zone the meeting's times are shown in: the customer reads Meeting.customer_zone
    (their own for online and phone), staff Meeting.display_zone."""
    return meeting.customer_zone if recipient == CUSTOMER else meeting.display_zone


def zone_note(meeting: Meeting, *, recipient: str) -> str:
    """The sentence naming the customer's zone, in the active language (staff: none)."""
    if recipient != CUSTOMER:
        return ""
    zone = meeting_zone(meeting, recipient=recipient).key
    if meeting.in_customer_zone:
        return _("All times are in your time zone, %(zone)s.") % {"zone": zone}
    return _("All times are in the %(zone)s time zone.") % {"zone": zone}


# --- Rendering: shared by every email --------------------------------------------------


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(
    template: str, context: dict[str, Any], *, language: str, zone: zoneinfo.ZoneInfo
) -> RenderedEmail:
    """Render the pair `template`.txt and `template`.html in `language`, times in `zone`.

    The .txt defines a `subject` partial and both extend email/base.*, filling the
    `content` block (and optionally `preheader`, `heading` and `signoff`). The base
    context (the site's address, its colours as inline styles) is added here.
    """
    with translation.override(language), timezone.override(zone):
        context = {**_base_context(), **context}
        subject = " ".join(render_to_string(f"{template}.txt#subject", context).split())
        context["subject"] = subject
        text = _tidy(render_to_string(f"{template}.txt", context))
        html = render_to_string(f"{template}.html", context).strip() + "\n"
    return RenderedEmail(subject=subject, text=text, html=html)


def email_message(
    rendered: RenderedEmail,
    *,
    to: str,
    reply_to: str | None = None,
    attachments: Iterable[MIMEBase] = (),
) -> EmailMultiAlternatives:
    """A multipart message: the plain text, its HTML alternative, then the attachments."""
    headers = {"Auto-Submitted": "auto-generated"}
    key = tasks.running_key()
    if key is not None:
        headers["Message-ID"] = effect_message_id(key, to)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    message.attach_alternative(rendered.html, "text/html")
    for attachment in attachments:
        message.attach(attachment)
    return message


def effect_message_id(key: str, to: str) -> str:
    """The same Message-ID in every attempt of one side effect: sent again after a worker
    died mid-send, it is one message to mail clients. (Not make_msgid: it adds the time and
    a random number.) The site's host, not the worker's, so every worker agrees."""
    digest = hashlib.sha256(f"{key}\n{to}".encode()).hexdigest()[:32]
    return f"<{digest}@{urlsplit(settings.BOOKME_SITE_URL).hostname}>"


def meeting_email(
    meeting: Meeting,
    template: str,
    *,
    recipient: str,
    previous_start: datetime | None = None,
    context: dict[str, Any] | None = None,
) -> EmailMultiAlternatives:
    """The message about `meeting` to its customer or employee, invite attached.

    The customer reads their booking's language, the employee the site's; `context`
    adds to the meeting's (meeting_context) for a template that needs more.
    """
    if recipient == CUSTOMER:
        employee = meeting.employee
        to = meeting.customer.email
        reply_to = employee.email if employee else None
        language = meeting.language or settings.LANGUAGE_CODE
    else:
        assert meeting.employee is not None
        to, reply_to = meeting.employee.email, meeting.customer.email or None
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        full = meeting_context(meeting, recipient=recipient, previous_start=previous_start)
    rendered = render_email(
        template,
        {**full, **(context or {})},
        language=language,
        zone=meeting_zone(meeting, recipient=recipient),
    )
    return email_message(rendered, to=to, reply_to=reply_to, attachments=[invite(meeting)])


def meeting_context(
    meeting: Meeting, *, recipient: str, previous_start: datetime | None = None
) -> dict[str, Any]:
    """What a meeting's templates show, in the active language and the meeting's zone.

    The customer's manage link is for the customer only; calendar links make no sense
    for a cancelled meeting.
    """
    zone = meeting_zone(meeting, recipient=recipient)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    location = meeting_location(meeting)
    return {
        "meeting": meeting,
        "customer": meeting.customer,
        "employee": meeting.employee,
        "topic": meeting.topic,
        "start": meeting.start.astimezone(zone),
        "end": meeting.end.astimezone(zone),
        "previous_start": previous_start.astimezone(zone) if previous_start else None,
        "zone_name": zone.key,
        "zone_note": zone_note(meeting, recipient=recipient),
        "location": location,
        "location_is_link": meeting.meeting_type == MeetingType.ONLINE
        and location.startswith(("https://", "http://")),
        "manage_url": manage_url(meeting) if recipient == CUSTOMER else "",
        "schedule_url": _absolute(reverse("booking:my_schedule")),
        "calendar_links": None
        if cancelled
        else meeting_calendar_links(meeting, with_manage_link=recipient == CUSTOMER),
        "answers": list(meeting.answers.all()),
        "cancelled": cancelled,
        # The real last moment to move or cancel online (the services check the same one).
        "change_deadline": meeting.change_deadline.astimezone(zone),
        "can_change": meeting.can_change(timezone.now()),
        # Only staff's reason is a message to the customer; a customer's own is for staff.
        "staff_message": meeting.cancel_reason
        if cancelled and not _cancelled_by_customer(meeting)
        else "",
    }


def _cancelled_by_customer(meeting: Meeting) -> bool:
    event = meeting.events.filter(kind=BookingEventKind.CANCELLED).order_by("-pk").first()
    return event is not None and event.actor_kind in CUSTOMER_KINDS


def invite(meeting: Meeting) -> MIMEText:
    """The meeting's invite.ics as an attachment: REQUEST, or CANCEL once cancelled."""
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    part = MIMEText(meeting_calendar(meeting).decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


# The stylesheet's custom properties the emails use: the site's look has one home.
BRAND_PROPERTIES = (
    "ink",
    "ink-muted",
    "paper",
    "canvas",
    "line",
    "brand",
    "brand-dark",
    "brand-soft",
    "font",
)


@functools.cache
def brand() -> dict[str, str]:
    """The site's colours and font from static/css/bookme.css's :root, keyed ink_muted etc.

    Mail clients ignore stylesheets and CSS variables, so the emails inline these values.
    """
    found = finders.find("css/bookme.css")
    if not isinstance(found, str):
        raise ImproperlyConfigured("The site's stylesheet css/bookme.css is missing.")
    root = re.search(r":root\s*\{([^}]*)\}", Path(found).read_text(encoding="utf-8"))
    values = dict(re.findall(r"--([\w-]+)\s*:\s*([^;]+);", root.group(1) if root else ""))
    missing = [name for name in BRAND_PROPERTIES if name not in values]
    if missing:
        raise ImproperlyConfigured(f"css/bookme.css's :root lacks --{', --'.join(missing)}.")
    # Single quotes: the values go into style="..." attributes.
    return {
        name.replace("-", "_"): values[name].strip().replace('"', "'") for name in BRAND_PROPERTIES
    }


@functools.cache
def email_styles() -> dict[str, SafeString]:
    """Inline styles for the email templates (`styles.button` ...), from the site's brand."""
    b = brand()
    styles = {
        "body": f"margin:0;padding:0;background:{b['canvas']};color:{b['ink']};"
        f"font-family:{b['font']};",
        "preheader": f"display:none;max-height:0;overflow:hidden;font-size:1px;"
        f"line-height:1px;color:{b['canvas']};",
        "canvas": f"background:{b['canvas']};",
        "card": f"max-width:600px;background:{b['paper']};border:1px solid {b['line']};"
        "border-radius:10px;",
        "header": f"padding:20px 28px;border-bottom:1px solid {b['line']};",
        "wordmark": f"color:{b['ink']};font-weight:700;font-size:20px;text-decoration:none;",
        "mark": "display:inline-block;width:32px;height:32px;line-height:32px;"
        f"text-align:center;border-radius:8px;background:{b['brand']};color:{b['paper']};",
        "content": f"padding:28px;font-size:16px;line-height:1.55;color:{b['ink']};",
        "h1": f"margin:0 0 16px;font-size:22px;line-height:1.25;color:{b['ink']};",
        "p": "margin:0 0 12px;",
        "small": f"margin:0 0 12px;font-size:13px;color:{b['ink_muted']};word-break:break-all;",
        "link": f"color:{b['brand']};",
        "muted_link": f"color:{b['ink_muted']};",
        "button": "display:inline-block;padding:12px 20px;border-radius:8px;"
        f"background:{b['brand']};color:{b['paper']};font-weight:600;text-decoration:none;",
        "secondary_button": "display:inline-block;margin:0 4px 8px 0;padding:10px 16px;"
        f"border-radius:8px;border:1px solid {b['brand']};background:{b['brand_soft']};"
        f"color:{b['brand_dark']};font-weight:600;text-decoration:none;",
        "details": f"margin:8px 0 20px;background:{b['brand_soft']};border-radius:10px;",
        "th": f"padding:8px 12px;text-align:left;vertical-align:top;font-weight:600;"
        f"color:{b['ink_muted']};white-space:nowrap;width:1%;",
        "td": "padding:8px 12px;vertical-align:top;",
        "quote": f"margin:0 0 12px;padding:8px 12px;border-left:3px solid {b['line']};",
        "footer": f"padding:16px 28px;border-top:1px solid {b['line']};font-size:13px;"
        f"color:{b['ink_muted']};",
    }
    # Built here from the site's own stylesheet, never from anything a user typed.
    return {name: mark_safe(style) for name, style in styles.items()}


def _base_context() -> dict[str, Any]:
    return {"site_url": _absolute("/"), "styles": email_styles(), "brand": brand()}


def _absolute(path: str) -> str:
    return settings.BOOKME_SITE_URL.rstrip("/") + path


def _tidy(text: str) -> str:
    # Template tags leave blank lines and trailing spaces behind; plain text wants neither.
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def _has_address(meeting: Meeting, recipient: str) -> bool:
    if recipient == CUSTOMER:
        # An API client's customer known by reference only: the client has the invite.
        return bool(meeting.customer.email)
    return meeting.employee is not None and bool(meeting.employee.email)


def _notify(meeting_id: int, event: str, **extra: Any) -> int:
    try:
        meeting = Meeting.objects.with_details().get(pk=meeting_id)
        messages = []
        for recipient in (CUSTOMER, EMPLOYEE):
            if _has_address(meeting, recipient):
                messages.append(
                    meeting_email(
                        meeting, f"email/meeting_{event}_{recipient}", recipient=recipient, **extra
                    )
                )
            elif recipient == CUSTOMER:
                logger.info(
                    "No %s email to the customer of meeting %s: no email address", event, meeting_id
                )
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
