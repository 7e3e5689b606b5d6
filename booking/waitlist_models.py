"""The waitlist's rows: who waits for which times, and the times offered to them.

Imported by booking.models (the app's models module); the services are in booking.waitlist.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config_data.models import CustomerCategory, Employee, Location, MeetingTopic, MeetingType


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("waiting")
    CLAIMED = "claimed", _("took an offered time")
    LEFT = "left", _("left the list")
    ENDED = "ended", _("range ended")


class WaitlistEntryQuerySet(models.QuerySet["WaitlistEntry"]):
    def waiting(self, now: datetime) -> WaitlistEntryQuerySet:
        """Still waiting, and their range not over yet."""
        return self.filter(status=WaitlistStatus.WAITING, window_end__gt=now)

    def first_come(self) -> WaitlistEntryQuerySet:
        """First come, first served: the order waiters are told in."""
        return self.order_by("created_at", "pk")

    def owned_by(self, owner: str) -> WaitlistEntryQuerySet:
        return self.filter(owner=owner)


class WaitlistEntry(models.Model):
    """A customer waiting for a time of a topic, with options, within a range."""

    topic = models.ForeignKey(
        MeetingTopic, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    meeting_type = models.CharField(_("meeting type"), max_length=10, choices=MeetingType.choices)
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    employee = models.ForeignKey(
        Employee,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Blank: any employee."),
    )
    customer_category = models.ForeignKey(
        CustomerCategory, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    customer_reference = models.CharField(
        _("customer reference"), max_length=100, blank=True, help_text=_("The API's customerId.")
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    owner = models.CharField(
        _("owner"),
        max_length=200,
        help_text=_("Who joined: session:<key>, user:<id>, client:<id>."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(_("joined"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")
        indexes = [
            models.Index(fields=["status", "window_end"], name="waitlistentry_status_idx"),
            models.Index(fields=["owner"], name="waitlistentry_owner_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__lt=F("window_end")), name="waitlistentry_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.topic} ({self.get_status_display()})"


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    CLAIMED = "claimed", _("claimed")
    LAPSED = "lapsed", _("lapsed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class WaitlistOffer(models.Model):
    """A freed time held for one waiter (the hold is a real TimeSlot) until it is claimed."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    # The hold itself: an occupying TimeSlot, so the exclusion constraint (PostgreSQL) or the
    # write lock (SQLite) already forbids offering one time to two waiters at once.
    time_slot = models.OneToOneField(
        "booking.TimeSlot", on_delete=models.CASCADE, related_name="waitlist_offer"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING
    )
    created_at = models.DateTimeField(_("offered at"))
    expires_at = models.DateTimeField(_("expires at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        constraints = [
            # A waiter is offered one time at a time: two offer runs racing for the same
            # entry cannot both commit, whatever the locks did.
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(status=OfferStatus.PENDING),
                name="waitlistoffer_one_pending_per_entry",
            ),
            models.CheckConstraint(
                condition=~Q(status=OfferStatus.CLAIMED) | Q(claimed_at__isnull=False),
                name="waitlistoffer_claimed_has_timestamp",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry.email}: {self.time_slot} ({self.get_status_display()})"
