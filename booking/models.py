"""What happens: meetings and their answers; time slots (booking/slot_models.py) and
customers (booking/customer_models.py) are imported here."""

from __future__ import annotations

import secrets
import uuid
import zoneinfo
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from booking.customer_models import Customer

# Kept in their own modules; imported here for the models' use and for
# `from booking.models import ...` elsewhere.
from booking.session_keys import (  # noqa: F401
    GROUP_SESSION_PREFIX,
    SINGLE_SESSION_PREFIX,
    group_session_key,
    is_group_session,
    is_single_session,
    new_session_key,
    single_session_key,
)
from booking.slot_models import (  # noqa: F401
    LONGEST_BLOCK,
    LONGEST_BLOCK_HOURS,
    OCCUPYING_STATUSES,
    TimeSlot,
    TimeSlotQuerySet,
    TimeSlotStatus,
    TsTzRange,
)
from booking.zones import customer_own_zone, customer_zone, known_zone, resolved_zone  # noqa: F401
from config_data.models import (
    CustomerCategory,
    Employee,
    InformationQuestion,
    MeetingTopic,
    MeetingType,
    Room,
    validate_timezone,
)


class BookedBy(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    EMPLOYEE = "employee", _("Employee")


class MeetingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingOutcome(models.TextChoices):
    """What happened at a confirmed meeting once its time came, as staff recorded it."""

    PENDING = "", _("Not recorded")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")


def new_reference() -> str:
    return secrets.token_urlsafe(24)


def new_ical_uid() -> str:
    return f"{uuid.uuid4()}@bookme"


# The longest meeting description (and invite text) a customer or client may give: the
# website's form and the API's schemas read it from here.
DESCRIPTION_MAX_LENGTH = 5000


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def confirmed(self) -> MeetingQuerySet:
        return self.filter(status=MeetingStatus.CONFIRMED)

    def upcoming(self, now: datetime) -> MeetingQuerySet:
        return self.filter(time_slot__end__gt=now).order_by("time_slot__start")

    def past(self, now: datetime) -> MeetingQuerySet:
        return self.filter(time_slot__end__lte=now).order_by("-time_slot__start")

    def owned_by(self, owner: str) -> MeetingQuerySet:
        return self.filter(owner=owner)

    def at_locations(self, locations: Iterable[int] | models.QuerySet) -> MeetingQuerySet:
        """Meetings a branch holds: its employee's or its room's (the staff pages' scope)."""
        return self.filter(
            Q(time_slot__employee__location__in=locations)
            | Q(time_slot__room__location__in=locations)
        )

    def during(self, start: datetime, end: datetime) -> MeetingQuerySet:
        """Meetings whose time (without buffers) meets [start, end)."""
        return self.filter(time_slot__start__lt=end, time_slot__end__gt=start)

    def with_details(self) -> MeetingQuerySet:
        return self.select_related(
            "time_slot__employee__location",
            "time_slot__room__location",
            "topic",
            "customer",
            "customer_category",
            "profile",
        )


class Meeting(models.Model):
    time_slot = models.OneToOneField(TimeSlot, on_delete=models.PROTECT, related_name="meeting")
    topic = models.ForeignKey(MeetingTopic, on_delete=models.PROTECT, related_name="meetings")
    customer_category = models.ForeignKey(
        CustomerCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    meeting_type = models.CharField(_("meeting type"), max_length=10, choices=MeetingType.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="meetings")
    description = models.TextField(_("description"), blank=True)
    booked_by = models.CharField(
        _("booked by"), max_length=10, choices=BookedBy.choices, default=BookedBy.CUSTOMER
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.CONFIRMED
    )
    reference = models.CharField(max_length=64, unique=True, default=new_reference, editable=False)
    ical_uid = models.CharField(max_length=100, unique=True, default=new_ical_uid, editable=False)
    ical_sequence = models.PositiveIntegerField(default=0, editable=False)
    owner = models.CharField(
        _("owner"),
        max_length=200,
        help_text=_("Who booked it: client:<id>, session:<key> or user:<id>."),
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    # The zone the customer booked in (the website's picker); see customer_zone.
    customer_timezone = models.CharField(
        _("customer's time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("The customer sees online and phone meetings in this IANA zone."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # An email about it failed for good (booking.effects.record_email_failure): staff see it.
    email_failed_at = models.DateTimeField(_("email failed at"), null=True, blank=True)
    email_failure = models.TextField(_("email failure"), blank=True)
    # Why the customer (or staff) cancelled, when they said: shown to staff only.
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True, max_length=1000)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=MeetingOutcome.choices, blank=True, default=""
    )
    outcome_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    # Staff's own note on the meeting; never shown to the customer or sent through the API.
    internal_note = models.TextField(_("internal note"), blank=True, max_length=5000)
    # Booked through a profile's page: kept as a reference only (PROTECT keeps that record;
    # staff end a profile with its period or its active switch). What the customer was sent
    # is the meeting's own below, so editing the profile later changes no booked meeting.
    profile = models.ForeignKey(
        "config_data.BookingProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("booking profile"),
    )
    # The customer's values for the profile's {{variables}} (booking.services.profiles).
    profile_fields = models.JSONField(_("profile fields"), default=dict, blank=True)
    # The profile's texts as filled in at booking (booking.services.profiles.profile_texts),
    # as MeetingAnswer.question_text keeps the question: "" without a profile or text.
    profile_subject = models.TextField(_("meeting subject"), blank=True, editable=False)
    profile_text = models.TextField(_("meeting description"), blank=True, editable=False)
    profile_link = models.TextField(_("online meeting link"), blank=True, editable=False)
    # Room features the customer asked for (the options step): a move must keep them.
    requested_room_features = models.ManyToManyField(
        "config_data.RoomFeature",
        blank=True,
        related_name="requesting_meetings",
        verbose_name=_("requested room features"),
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=MeetingStatus.CONFIRMED, cancelled_at__isnull=True)
                | Q(status=MeetingStatus.CANCELLED, cancelled_at__isnull=False),
                name="meeting_cancelled_has_timestamp",
            ),
            models.CheckConstraint(
                condition=Q(outcome="")
                | Q(status=MeetingStatus.CONFIRMED, outcome_at__isnull=False),
                name="meeting_outcome_only_when_confirmed",
            ),
        ]

    def __str__(self) -> str:
        start = f"{self.time_slot.start:%Y-%m-%d %H:%M}"
        return f"{self.topic} with {self.customer.display_name} at {start}"

    @property
    def employee(self) -> Employee | None:
        return self.time_slot.employee

    @property
    def subject(self) -> str:
        """The meeting's title everywhere: the subject it was booked with, else the topic."""
        return self.profile_subject or str(self.topic)

    @property
    def join_link(self) -> str:
        """The online meeting's address: the profile's as booked (its own room per meeting
        when the pattern holds {reference}), else the employee's; "" for none."""
        if self.profile_link:
            return self.profile_link
        employee = self.employee
        return employee.online_meeting_link if employee is not None else ""

    @property
    def room(self) -> Room | None:
        return self.time_slot.room

    @property
    def start(self) -> datetime:
        return self.time_slot.start

    @property
    def end(self) -> datetime:
        return self.time_slot.end

    @property
    def display_zone(self) -> zoneinfo.ZoneInfo:
        """The zone the meeting's times are shown in everywhere: see resolved_zone."""
        return self.time_slot.display_zone

    @property
    def customer_zone(self) -> zoneinfo.ZoneInfo:
        """The zone every customer-facing page, email and list shows the meeting in (staff
        and the API keep display_zone): see booking.models.customer_zone."""
        return self.customer_zone_for(self.time_slot)

    def customer_zone_for(
        self, slot: TimeSlot, *, customer_timezone: str | None = None
    ) -> zoneinfo.ZoneInfo:
        """The zone the customer would see `slot` in as this meeting's time (a move), with
        `customer_timezone` stored by then (None: the one stored now)."""
        return customer_zone(
            meeting_type=self.meeting_type,
            customer_timezone=(
                self.customer_timezone if customer_timezone is None else customer_timezone
            ),
            display_zone=slot.display_zone,
        )

    @property
    def in_customer_zone(self) -> bool:
        """Shown in the customer's own zone rather than the branch's (the pages say so)."""
        return customer_own_zone(self.meeting_type, self.customer_timezone) is not None

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        """The field validators, but the zone checked against the list known_zone read
        once: the field's validate_timezone scans the zone files on every call, and
        full_clean runs on every booking."""
        skipped = set(exclude or ())
        errors: dict[str, list[ValidationError]] = {}
        try:
            super().clean_fields(exclude={*skipped, "customer_timezone"})
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        value = self.customer_timezone
        if "customer_timezone" not in skipped and value and known_zone(value) is None:
            errors.setdefault("customer_timezone", []).append(
                ValidationError(
                    _("%(value)s is not an IANA time zone (e.g. Europe/Copenhagen)."),
                    code="invalid",
                    params={"value": value},
                )
            )
        if errors:
            raise ValidationError(errors)

    @property
    def change_deadline(self) -> datetime:
        """The moment customers can no longer cancel or move the meeting themselves:
        the topic's cut-off before the start. The services refuse from this moment on,
        and the pages show it; nothing else computes it."""
        return self.start - self.change_cutoff

    @property
    def change_cutoff(self) -> timedelta:
        """How long before its start a meeting can no longer be changed online."""
        return timedelta(hours=self.topic.change_cutoff)

    def changes_closed(self, now: datetime) -> bool:
        """Past the change deadline (the cut-off check the services make)."""
        return now >= self.change_deadline

    def can_change(self, now: datetime) -> bool:
        """Whether the customer may still cancel or move it: confirmed and before the deadline."""
        return self.status == MeetingStatus.CONFIRMED and not self.changes_closed(now)


# The longest answer to an information question: the model, the form, the API schema and
# the service all read it from here.
ANSWER_MAX_LENGTH = 2048


class MeetingAnswer(models.Model):
    """The customer's answer, with the question as it was asked (questions may change later)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        InformationQuestion, on_delete=models.SET_NULL, null=True, blank=True
    )
    question_text = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), max_length=ANSWER_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.question_text}: {self.answer}"


# The models of what happened (booking events, the side-effect ledger) and of the waitlist
# live in their own modules (this one is long enough); importing them here registers them
# with the app and keeps `from booking.models import ...` working everywhere.
from booking.event_models import (  # noqa: E402, F401
    BookingEvent,
    BookingEventKind,
    SideEffectRun,
    SideEffectStatus,
)
from booking.feeds import CalendarFeed  # noqa: E402, F401
from booking.waitlist_models import (  # noqa: E402, F401
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
