"""The waiter's links (signed: take an offered time, leave the list) and the offer email."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from booking.models import OfferStatus, WaitlistEntry, WaitlistOffer

OFFER_SALT = "bookme.waitlist.offer"
LEAVE_SALT = "bookme.waitlist.leave"
EMAIL_TEMPLATE = "booking/waitlist_email.txt"


def offer_token(offer: WaitlistOffer) -> str:
    return signing.dumps(offer.pk, salt=OFFER_SALT)


def leave_token(entry: WaitlistEntry) -> str:
    return signing.dumps(entry.pk, salt=LEAVE_SALT)


def _unsigned(token: str, salt: str) -> int | None:
    try:
        value = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def offer_for_token(token: str) -> WaitlistOffer | None:
    pk = _unsigned(token, OFFER_SALT)
    if pk is None:
        return None
    return (
        WaitlistOffer.objects.select_related(
            "entry__topic", "time_slot__employee__location", "time_slot__room__location"
        )
        .filter(pk=pk)
        .first()
    )


def entry_for_leave_token(token: str) -> WaitlistEntry | None:
    pk = _unsigned(token, LEAVE_SALT)
    return None if pk is None else WaitlistEntry.objects.filter(pk=pk).first()


def offer_url(offer: WaitlistOffer) -> str:
    path = reverse("booking:waitlist_offer", args=[offer_token(offer)])
    return settings.BOOKME_SITE_URL.rstrip("/") + path


def leave_url(entry: WaitlistEntry) -> str:
    path = reverse("booking:waitlist_leave", args=[leave_token(entry)])
    return settings.BOOKME_SITE_URL.rstrip("/") + path


def send_offer(offer_id: int, *, now: datetime | None = None) -> int:
    """Email the waiter the offered time with its link. Nothing for an offer that is no
    longer pending (taken, lapsed, withdrawn). Raises when sending fails: the engine retries."""
    now = now or timezone.now()
    offer = (
        WaitlistOffer.objects.select_related(
            "entry__topic", "time_slot__employee__location", "time_slot__room__location"
        )
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or offer.status != OfferStatus.PENDING or offer.expires_at <= now:
        return 0
    entry, slot = offer.entry, offer.time_slot
    zone = slot.display_zone
    context = {
        "entry": entry,
        "topic": entry.topic.name,
        "employee": slot.employee.name if slot.employee else "",
        "start": slot.start.astimezone(zone),
        "expires_at": offer.expires_at.astimezone(zone),
        "zone_name": zone.key,
        "offer_url": offer_url(offer),
        "leave_url": leave_url(entry),
    }
    with translation.override(entry.language), timezone.override(zone):
        subject = " ".join(render_to_string(EMAIL_TEMPLATE + "#subject", context).split())
        rendered: str = render_to_string(EMAIL_TEMPLATE + "#body", context)
    # Template tags leave blank lines and trailing spaces behind; plain text wants neither.
    lines = "\n".join(line.rstrip() for line in rendered.strip().splitlines())
    body = re.sub(r"\n{3,}", "\n\n", lines)
    message = EmailMessage(
        subject=subject,
        body=body + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[entry.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    return message.send()
