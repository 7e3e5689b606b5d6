"""Time slots: the time held and booked for meetings, and the one query that proves no
two of them overlap. Imported by booking/models.py, so `from booking.models import
TimeSlot` works everywhere, migrations' references included."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Exists, F, Func, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from booking.constraints import PostgresExclusionConstraint
from booking.errors import InvalidRequest
from booking.session_keys import new_session_key
from booking.zones import resolved_zone
from config_data.models import Employee, MeetingTopic, MeetingType, Room


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()  # only ever used inside the exclusion constraint


def _blocked_range(start: object, end: object) -> TsTzRange:
    """tstzrange(start, end, '[)') typed as a range, for the && lookup."""
    return TsTzRange(start, end, RangeBoundary(), output_field=DateTimeRangeField())


class TimeSlotStatus(models.TextChoices):
    RESERVED = "Reserved", _("Reserved")
    BOOKED = "Booked", _("Booked")
    CANCELLED = "Cancelled", _("Cancelled")
    EXPIRED = "Expired", _("Expired")


# The longest time one slot may block, meeting and buffers together (TimeSlot.clean and the
# reserve service enforce it). Overlap queries use it as a lower bound on blocked_start, so
# an index scan reads the searched window, never the whole history before it.
# The website, the API and the services all check this one bound, and their messages
# name it in hours.
LONGEST_BLOCK = timedelta(days=2)
LONGEST_BLOCK_HOURS = LONGEST_BLOCK // timedelta(hours=1)

# Statuses that occupy time. A slot with an expiry (a Reserved hold, or a Booked slot still
# waiting for its meeting) counts here until its expiry passes and a service marks it
# Expired; queries use TimeSlotQuerySet.active(now).
OCCUPYING_STATUSES = [TimeSlotStatus.RESERVED, TimeSlotStatus.BOOKED]


class TimeSlotQuerySet(models.QuerySet["TimeSlot"]):
    def active(self, now: datetime) -> TimeSlotQuerySet:
        """Reserved or Booked, and not past an expiry: the slots that block time."""
        return self.filter(status__in=OCCUPYING_STATUSES).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )

    def stale_holds(self, now: datetime) -> TimeSlotQuerySet:
        """Holds and Booked slots without a meeting past their expiry: to be marked Expired."""
        return self.filter(status__in=OCCUPYING_STATUSES, expires_at__lte=now)

    def overlapping(self, start: datetime, end: datetime) -> TimeSlotQuerySet:
        """Slots whose blocked time (with buffers) meets [start, end)."""
        return self.filter(
            blocked_start__lt=end, blocked_start__gte=start - LONGEST_BLOCK, blocked_end__gt=start
        )

    def for_resources(
        self, *, employee_ids: list[int] | set[int], room_ids: list[int] | set[int]
    ) -> TimeSlotQuerySet:
        return self.filter(Q(employee_id__in=employee_ids) | Q(room_id__in=room_ids))

    def held_by(self, holder: str) -> TimeSlotQuerySet:
        return self.filter(holder=holder)

    def double_booked(self) -> TimeSlotQuerySet:
        """Occupying slots that overlap another on the same employee or room: always empty.

        The independent proof, in one query, that the guarantee held.
        """
        if connections[self.db].vendor == "postgresql":
            return self._double_booked_by_range()
        clash = (
            TimeSlot.objects.filter(
                status__in=OCCUPYING_STATUSES,
                blocked_start__lt=OuterRef("blocked_end"),
                blocked_end__gt=OuterRef("blocked_start"),
            )
            .filter(Q(employee_id=OuterRef("employee_id")) | Q(room_id=OuterRef("room_id")))
            .exclude(pk=OuterRef("pk"))
            .exclude(session_key=OuterRef("session_key"))
        )
        return self.filter(status__in=OCCUPYING_STATUSES).filter(Exists(clash))

    def _double_booked_by_range(self) -> TimeSlotQuerySet:
        """The same query in range terms (&&), so PostgreSQL answers it from the exclusion
        constraints' GiST indexes: seconds instead of minutes at 100k slots."""

        def clash(resource: str) -> Exists:
            return Exists(
                TimeSlot.objects.alias(blocked=_blocked_range("blocked_start", "blocked_end"))
                .filter(
                    status__in=OCCUPYING_STATUSES,
                    blocked__overlap=_blocked_range(
                        OuterRef("blocked_start"), OuterRef("blocked_end")
                    ),
                    **{resource: OuterRef(resource)},
                )
                .exclude(pk=OuterRef("pk"))
                .exclude(session_key=OuterRef("session_key"))
            )

        return self.filter(status__in=OCCUPYING_STATUSES).filter(
            clash("employee_id") | clash("room_id")
        )


class TimeSlot(models.Model):
    """A piece of an employee's and/or a room's time: held (Reserved), then Booked.

    blocked_start/blocked_end include the topic's buffers; the database forbids two
    occupying slots whose blocked ranges overlap for the same employee or room,
    unless they are seats of the same group session (same session_key).
    """

    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="time_slots"
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="time_slots"
    )
    topic = models.ForeignKey(
        MeetingTopic, on_delete=models.PROTECT, null=True, blank=True, related_name="time_slots"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    blocked_start = models.DateTimeField(_("blocked from"))
    blocked_end = models.DateTimeField(_("blocked until"))
    status = models.CharField(
        _("status"), max_length=10, choices=TimeSlotStatus.choices, default=TimeSlotStatus.RESERVED
    )
    expires_at = models.DateTimeField(_("hold expires at"), null=True, blank=True)
    holder = models.CharField(
        _("holder"),
        max_length=200,
        help_text=_("Who holds it: client:<id>, session:<key> or user:<id>."),
    )
    token = models.CharField(
        _("idempotency token"), max_length=200, blank=True, help_text=_("The reserve body's token.")
    )
    meeting_type = models.CharField(
        _("meeting type"),
        max_length=10,
        choices=MeetingType.choices,
        blank=True,
        help_text=_("Held for this meeting type only; blank: any the slot allows."),
    )
    session_key = models.CharField(max_length=200, default=new_session_key, editable=False)
    seat = models.PositiveSmallIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TimeSlotQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        indexes = [
            models.Index(fields=["employee", "blocked_start"], name="timeslot_employee_idx"),
            models.Index(fields=["room", "blocked_start"], name="timeslot_room_idx"),
            models.Index(fields=["status", "expires_at"], name="timeslot_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="timeslot_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(blocked_start__lte=F("start")) & Q(blocked_end__gte=F("end")),
                name="timeslot_blocked_covers_slot",
            ),
            models.CheckConstraint(
                condition=Q(employee__isnull=False) | Q(room__isnull=False),
                name="timeslot_has_employee_or_room",
            ),
            models.CheckConstraint(
                condition=~Q(status=TimeSlotStatus.RESERVED) | Q(expires_at__isnull=False),
                name="timeslot_reserved_has_expiry",
            ),
            models.CheckConstraint(condition=Q(seat__gte=1), name="timeslot_seat_positive"),
            models.UniqueConstraint(
                fields=["session_key", "seat"],
                condition=Q(status__in=OCCUPYING_STATUSES),
                name="timeslot_unique_seat",
            ),
            models.UniqueConstraint(
                fields=["holder", "token"],
                condition=~Q(token=""),
                name="timeslot_unique_holder_token",
            ),
            # The heart of the product: one employee, or one room, is never given twice.
            PostgresExclusionConstraint(
                name="timeslot_no_employee_overlap",
                expressions=[
                    (
                        TsTzRange("blocked_start", "blocked_end", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                    ("employee", RangeOperators.EQUAL),
                    ("session_key", RangeOperators.NOT_EQUAL),
                ],
                condition=Q(status__in=OCCUPYING_STATUSES, employee__isnull=False),
            ),
            PostgresExclusionConstraint(
                name="timeslot_no_room_overlap",
                expressions=[
                    (
                        TsTzRange("blocked_start", "blocked_end", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                    ("room", RangeOperators.EQUAL),
                    ("session_key", RangeOperators.NOT_EQUAL),
                ],
                condition=Q(status__in=OCCUPYING_STATUSES, room__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        who = self.employee or self.room
        return f"{who} {self.start:%Y-%m-%d %H:%M} ({self.status})"

    def clean(self) -> None:
        if (
            self.blocked_start is not None
            and self.blocked_end is not None
            and self.blocked_end - self.blocked_start > LONGEST_BLOCK
        ):
            raise ValidationError(
                {"end": InvalidRequest("slot_too_long", hours=LONGEST_BLOCK_HOURS).message}
            )

    def hold_is_live(self, now: datetime) -> bool:
        return (
            self.status == TimeSlotStatus.RESERVED
            and self.expires_at is not None
            and self.expires_at > now
        )

    def is_stale(self, now: datetime) -> bool:
        """A hold or a Booked slot without a meeting past its expiry: it blocks no one."""
        return (
            self.status in OCCUPYING_STATUSES
            and self.expires_at is not None
            and self.expires_at <= now
        )

    @property
    def display_zone(self) -> zoneinfo.ZoneInfo:
        """The zone this time is shown in: see resolved_zone."""
        return resolved_zone(room=self.room, employee=self.employee)
