"""What staff configure: locations, rooms, employees, their hours, topics.

Rooms and employees inherit address and time zone from their location unless
they set their own (the "inheritance" of seed 004): blank means inherited.
"""

from __future__ import annotations

import zoneinfo
from datetime import time
from functools import cached_property
from itertools import pairwise

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone (e.g. Europe/Copenhagen)."),
            params={"value": value},
        )


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class MeetingType(models.TextChoices):
    PHYSICAL = "physical", _("In person")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")


class Address(models.Model):
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def own_address_lines(self) -> list[str]:
        return [
            line
            for line in (self.street, f"{self.postal_code} {self.city}".strip(), self.country)
            if line
        ]


class MeetingTypesOffered(models.Model):
    """Which meeting types are possible: three flags, easy to filter and to constrain."""

    physical = models.BooleanField(_("in person"), default=True)
    online = models.BooleanField(_("online"), default=False)
    phone = models.BooleanField(_("phone"), default=False)

    class Meta:
        abstract = True

    @property
    def meeting_types(self) -> frozenset[str]:
        return frozenset(t for t in MeetingType.values if getattr(self, t))


class Location(Address):
    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Copenhagen", validators=[validate_timezone]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name

    def address_lines(self) -> list[str]:
        return self.own_address_lines()

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class OpeningHours(models.Model):
    """When a location is open. A location without any is treated as always open."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["location", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=F("closes")), name="openinghours_opens_before_closes"
            ),
            models.UniqueConstraint(
                fields=["location", "weekday", "opens"], name="openinghours_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.opens >= self.closes:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})


class ClosedDay(models.Model):
    """A holiday or other day on which a location is closed."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        ordering = ["location", "date"]
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        constraints = [
            models.UniqueConstraint(fields=["location", "date"], name="closedday_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.location}: {self.date:%Y-%m-%d}"


class CustomerCategory(models.Model):
    """The seed's customer type (customerCategoryId): Private, Business, ..."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer category")
        verbose_name_plural = _("customer categories")

    def __str__(self) -> str:
        return self.name


class RoomFeature(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("room feature")
        verbose_name_plural = _("room features")

    def __str__(self) -> str:
        return self.name


class Room(Address):
    name = models.CharField(_("name"), max_length=100)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=4)
    features = models.ManyToManyField(RoomFeature, blank=True, verbose_name=_("features"))
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("Leave blank to use the location's time zone."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["location", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="room_unique_name"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="room_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"

    @property
    def effective_timezone(self) -> str:
        return self.timezone or self.location.timezone

    def address_lines(self) -> list[str]:
        return self.own_address_lines() or self.location.address_lines()


class EmployeeQuerySet(models.QuerySet["Employee"]):
    def bookable(self) -> EmployeeQuerySet:
        return self.filter(active=True)


class Employee(Address, MeetingTypesOffered):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
        verbose_name=_("user account"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), unique=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="employees")
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("Leave blank to use the location's time zone."),
    )
    online_meeting_link = models.URLField(_("online meeting link"), blank=True)
    active = models.BooleanField(_("bookable"), default=True)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")

    def __str__(self) -> str:
        return self.name

    @property
    def effective_timezone(self) -> str:
        return self.timezone or self.location.timezone

    def address_lines(self) -> list[str]:
        return self.own_address_lines() or self.location.address_lines()


class WorkingHours(models.Model):
    """A weekly interval in the employee's local time; several per weekday are allowed."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        ordering = ["employee", "weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="workinghours_start_before_end"
            ),
            models.UniqueConstraint(
                fields=["employee", "weekday", "start"], name="workinghours_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": _("End must be after start.")})


def overlapping_weekly_intervals(
    intervals: list[tuple[int, time, time]],
) -> tuple[int, time, time] | None:
    """Return the first interval that overlaps an earlier one on the same weekday."""
    ordered = sorted(intervals)
    for previous, current in pairwise(ordered):
        if previous[0] == current[0] and current[1] < previous[2]:
            return current
    return None


class Absence(models.Model):
    """An availability exception (seed 004): the employee cannot be booked in this period."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="absences")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["employee", "start"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="absence_start_before_end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee}: {self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": _("End must be after start.")})


class MeetingTopicQuerySet(models.QuerySet["MeetingTopic"]):
    def active(self) -> MeetingTopicQuerySet:
        return self.filter(active=True)

    def customer_bookable(self) -> MeetingTopicQuerySet:
        return self.active().filter(customer_bookable=True)

    def for_category(self, category: CustomerCategory | int | None) -> MeetingTopicQuerySet:
        """Topics open to the category: those with no restriction, or listing it."""
        if category is None:
            return self.filter(customer_categories__isnull=True)
        return self.filter(
            Q(customer_categories__isnull=True) | Q(customer_categories=category)
        ).distinct()


# A reminder at most this long before the start: beyond the booking horizon it means little.
REMINDER_MAX_MINUTES = 60 * 24 * 30
REMINDERS_MAX = 5


def default_reminder_offsets() -> list[int]:
    """One reminder, 24 hours before the start."""
    return [24 * 60]


def validate_reminder_offsets(value: object) -> None:
    """A short list of distinct whole minutes, each at least 1 and at most 30 days."""
    if not isinstance(value, list) or not all(
        type(minutes) is int and 1 <= minutes <= REMINDER_MAX_MINUTES for minutes in value
    ):
        raise ValidationError(
            _(
                "Enter a list of whole minutes before the start, each from 1 to %(max)s, "
                "e.g. [1440, 60]."
            ),
            params={"max": REMINDER_MAX_MINUTES},
        )
    if len(value) > REMINDERS_MAX:
        raise ValidationError(
            _("At most %(max)s reminders per meeting."), params={"max": REMINDERS_MAX}
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each reminder time may appear only once."))


class MeetingTopic(MeetingTypesOffered):
    """The seed's theme: what a meeting is about and how it may be booked."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    duration = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    customer_categories = models.ManyToManyField(
        CustomerCategory,
        blank=True,
        related_name="topics",
        verbose_name=_("customer categories"),
        help_text=_("Leave empty to allow every category."),
    )
    customer_bookable = models.BooleanField(_("customers may book it themselves"), default=True)
    employees = models.ManyToManyField(
        Employee, blank=True, related_name="topics", verbose_name=_("employees")
    )
    buffer_before = models.PositiveIntegerField(_("buffer before (minutes)"), default=0)
    buffer_after = models.PositiveIntegerField(_("buffer after (minutes)"), default=0)
    minimum_notice = models.PositiveIntegerField(_("minimum notice (minutes)"), default=120)
    booking_horizon = models.PositiveIntegerField(_("booking horizon (days)"), default=60)
    slot_step = models.PositiveIntegerField(_("slot step (minutes)"), default=30)
    requires_room = models.BooleanField(_("an in-person meeting needs a room"), default=True)
    capacity = models.PositiveSmallIntegerField(
        _("customers per slot"),
        default=1,
        help_text=_("More than one makes a group session (seed: numberOfReservations)."),
    )
    change_cutoff = models.PositiveIntegerField(
        _("cancel/reschedule cut-off (hours)"),
        default=24,
        help_text=_("Customers cannot cancel or reschedule later than this before the start."),
    )
    reminder_offsets = models.JSONField(
        _("reminders (minutes before the start)"),
        default=default_reminder_offsets,
        blank=True,
        validators=[validate_reminder_offsets],
        help_text=_(
            "When the customer gets a reminder email, in minutes before the meeting starts: "
            "[1440] is 24 hours before, [1440, 60] adds one an hour before; empty or [] sends none."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = MeetingTopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("meeting topic")
        verbose_name_plural = _("meeting topics")
        constraints = [
            models.CheckConstraint(condition=Q(duration__gte=1), name="topic_duration_positive"),
            models.CheckConstraint(condition=Q(slot_step__gte=1), name="topic_step_positive"),
            models.CheckConstraint(
                condition=Q(booking_horizon__gte=1), name="topic_horizon_positive"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="topic_capacity_positive"),
            models.CheckConstraint(
                condition=Q(physical=True) | Q(online=True) | Q(phone=True),
                name="topic_has_meeting_type",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.reminder_offsets is None:  # the admin's emptied field: no reminders
            self.reminder_offsets = []
        if not (self.physical or self.online or self.phone):
            raise ValidationError({"physical": _("Choose at least one meeting type.")})

    @property
    def needs_room_for_physical(self) -> bool:
        return self.physical and self.requires_room


def locations_without_rooms(employees: list[Employee]) -> list[Location]:
    """Locations of these employees that have no active room: a room-bound topic fails there."""
    location_ids = {e.location_id for e in employees}
    with_rooms = set(
        Room.objects.filter(location_id__in=location_ids, active=True).values_list(
            "location_id", flat=True
        )
    )
    return list(Location.objects.filter(pk__in=location_ids - with_rooms))


class InformationQuestion(models.Model):
    """A question the customer answers when booking the topic (seed 002)."""

    topic = models.ForeignKey(
        MeetingTopic, on_delete=models.CASCADE, related_name="information_questions"
    )
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("clarification"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["topic", "position", "pk"]
        verbose_name = _("information question")
        verbose_name_plural = _("information questions")

    def __str__(self) -> str:
        return self.text


class ConfigVersion(models.Model):
    """One row whose token changes, in the same transaction, whenever configuration does.

    Searches keep the configuration they read (booking/catalog.py) while this token stays
    the same: one cheap query per request instead of six. A token, not a counter, so that a
    rolled-back change returns to a state whose snapshot is still right.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("configuration version")

    def __str__(self) -> str:
        return self.token
