"""Employees' calendar subscriptions: one secret, revocable feed address per employee.

Registered with the booking app through booking.models, which imports it. The token in
the address is the only key (calendar clients cannot sign in), so it is long and random;
revoking deletes the row, and rotating replaces the token, so an old address answers 404.
Only the token's SHA-256 is stored (like a password's hash: a leaked database or backup
opens no feed), so the address can be shown once only, right after it was made.
The writes live here beside the model: they touch nothing of the booking lifecycle and
record no booking event (a feed is a view of meetings, not a change to one).
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config_data.models import Employee


def new_feed_token() -> str:
    # 32 random bytes: unguessable, and URL-safe for the webcal:// address.
    return secrets.token_urlsafe(32)


def hash_feed_token(token: str) -> str:
    """What is stored and looked up. A plain SHA-256 suffices: the token is 256 random bits,
    nothing to guess with a dictionary, so no slow (salted) password hash is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """An employee's subscription address for their own meetings (booking.staff.feeds)."""

    employee = models.OneToOneField(
        Employee, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("employee")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hide_customer_details = models.BooleanField(
        _("hide customer details"),
        default=False,
        help_text=_("Events show the topic only: no customer name, contact or answers."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    rotated_at = models.DateTimeField(_("address changed at"), null=True, blank=True)

    # The plain token, only on the instance that has just made it (create or rotate): it is
    # never stored, so a feed loaded from the database has none.
    token: str = ""

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"Calendar feed of {self.employee}"


def calendar_feed_create(*, employee: Employee, hide_customer_details: bool) -> CalendarFeed:
    """The employee's feed, made if there is none (a second create keeps the address). Only
    a new feed carries its plain `token`."""
    token = new_feed_token()
    feed, created = CalendarFeed.objects.get_or_create(
        employee=employee,
        defaults={
            "hide_customer_details": hide_customer_details,
            "token_hash": hash_feed_token(token),
        },
    )
    if created:
        feed.token = token
    elif feed.hide_customer_details != hide_customer_details:
        feed.hide_customer_details = hide_customer_details
        feed.save(update_fields=["hide_customer_details"])
    return feed


def calendar_feed_update(*, employee: Employee, hide_customer_details: bool) -> CalendarFeed | None:
    """Change what the feed shows; the address stays. None when there is no feed."""
    CalendarFeed.objects.filter(employee=employee).update(
        hide_customer_details=hide_customer_details
    )
    return CalendarFeed.objects.filter(employee=employee).first()


def calendar_feed_rotate(*, employee: Employee) -> CalendarFeed | None:
    """A new address for the feed (its plain `token` on the result): the old one stops
    working at once. None without a feed."""
    with transaction.atomic():
        # Locked so that two rotations at once cannot both hand out a token that lives on.
        feed = CalendarFeed.objects.select_for_update().filter(employee=employee).first()
        if feed is None:
            return None
        feed.token = new_feed_token()
        feed.token_hash = hash_feed_token(feed.token)
        feed.rotated_at = timezone.now()
        feed.save(update_fields=["token_hash", "rotated_at"])
    return feed


def calendar_feed_revoke(*, employee: Employee) -> bool:
    """Delete the feed: its address answers 404 from now on. False when there was none."""
    deleted, _ = CalendarFeed.objects.filter(employee=employee).delete()
    return bool(deleted)
