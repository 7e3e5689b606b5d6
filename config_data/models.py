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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def validate_timezone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone (e.g. Europe/Copenhagen)."),
            params={"value": value},
        )


def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA zone name, sorted, for a select in the admin (not typed by hand)."""
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


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


def holiday_country_choices() -> list[tuple[str, str]]:
    """Every country the holidays package knows (ISO 3166-1 alpha-2), by name."""
    from config_data.holidays import country_choices

    return country_choices()


class Location(Address):
    name = models.CharField(_("name"), max_length=100)  # unique per language: Meta
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Copenhagen", validators=[validate_timezone]
    )
    # Public holidays become closed days (config_data/holidays.py) for this year and next.
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=2,
        blank=True,
        choices=holiday_country_choices,
        help_text=_("Close on this country's public holidays. Leave blank for none."),
    )
    holiday_subdivision = models.CharField(
        _("region"),
        max_length=32,
        blank=True,
        help_text=_(
            "Also close on this region's public holidays: its code, e.g. BY for Bavaria. "
            "Leave blank for the national holidays only."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        # Binds each language's column, not the original (config_data/translation.py).
        constraints = [models.UniqueConstraint(fields=["name"], name="location_unique_name")]

    def __str__(self) -> str:
        return self.name

    def address_lines(self) -> list[str]:
        return self.own_address_lines()

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def clean(self) -> None:
        from config_data.holidays import subdivision_error

        error = subdivision_error(self.holiday_country, self.holiday_subdivision)
        if error:
            raise ValidationError({"holiday_subdivision": error})


class WeeklyInterval(models.Model):
    """A weekly interval in local time: a weekday and a start before an end.

    OpeningHours and WorkingHours keep their own column names (opens/closes, start/end:
    searches read them by name); the base knows them through start_field / end_field and
    shares the weekday, the check, the text and the overlap rule.
    """

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)

    start_field = "start"
    end_field = "end"
    order_error = _("End must be after start.")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        _weekday, start, end = self.interval
        return f"{Weekday(self.weekday).label} {start:%H:%M}–{end:%H:%M}"

    def clean(self) -> None:
        _weekday, start, end = self.interval
        if start is not None and end is not None and start >= end:
            raise ValidationError({self.end_field: self.order_error})

    @property
    def interval(self) -> tuple[int, time, time]:
        return (self.weekday, getattr(self, self.start_field), getattr(self, self.end_field))


class OpeningHours(WeeklyInterval):
    """When a location is open. A location without any is treated as always open."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    start_field = "opens"
    end_field = "closes"
    order_error = _("Closing time must be after opening time.")

    history = HistoricalRecords()

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


class ClosedDaySource(models.TextChoices):
    MANUAL = "manual", _("Added by staff")
    PUBLIC_HOLIDAY = "holiday", _("Public holiday")


class ClosedDayQuerySet(models.QuerySet["ClosedDay"]):
    def closed(self) -> ClosedDayQuerySet:
        """The days the location is really closed: every reader of closed days asks this,
        since an imported holiday that staff opened on stays as a row (see open_anyway)."""
        return self.filter(open_anyway=False)


class ClosedDay(models.Model):
    """A holiday or other day on which a location is closed."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=ClosedDaySource.choices,
        default=ClosedDaySource.MANUAL,
    )
    # An imported holiday staff removed: the row stays, so that the next import, which
    # would create a missing holiday again, keeps the location open that day.
    open_anyway = models.BooleanField(
        _("open anyway"),
        default=False,
        help_text=_("Open on this public holiday after all; importing holidays again keeps it."),
    )

    objects = ClosedDayQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["location", "date"]
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        constraints = [
            models.UniqueConstraint(fields=["location", "date"], name="closedday_unique_date"),
            models.CheckConstraint(
                condition=Q(open_anyway=False) | Q(source=ClosedDaySource.PUBLIC_HOLIDAY),
                name="closedday_open_anyway_only_holidays",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location}: {self.date:%Y-%m-%d}"

    def clean(self) -> None:
        # The check constraint again, with a message on the field for the admin's form.
        if self.open_anyway and self.source != ClosedDaySource.PUBLIC_HOLIDAY:
            raise ValidationError(
                {
                    "open_anyway": _(
                        "Only an imported public holiday can be opened; delete a day staff added."
                    )
                }
            )


class CustomerCategory(models.Model):
    """The seed's customer type (customerCategoryId): Private, Business, ..."""

    name = models.CharField(_("name"), max_length=100)  # unique per language: Meta
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer category")
        verbose_name_plural = _("customer categories")
        # Binds each language's column, not the original (config_data/translation.py).
        constraints = [models.UniqueConstraint(fields=["name"], name="category_unique_name")]

    def __str__(self) -> str:
        return self.name


class RoomFeature(models.Model):
    name = models.CharField(_("name"), max_length=100)  # unique per language: Meta
    # Offered as a checkbox on the website's options step (e.g. step-free access); a
    # feature staff alone care about (a whiteboard) stays off the customer's page.
    customer_requestable = models.BooleanField(
        _("customers may ask for it"),
        default=False,
        help_text=_("Offer it as a choice when customers book a meeting in person."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("room feature")
        verbose_name_plural = _("room features")
        # Binds each language's column, not the original (config_data/translation.py).
        constraints = [models.UniqueConstraint(fields=["name"], name="feature_unique_name")]

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

    history = HistoricalRecords()

    class Meta:
        ordering = ["location", "name"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            # Per language, not on the original column (config_data/translation.py).
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
    history = HistoricalRecords()

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


class WorkingHours(WeeklyInterval):
    """A weekly interval in the employee's local time; several per weekday are allowed."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="working_hours")
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    history = HistoricalRecords()

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

    history = HistoricalRecords()

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
        # In the current zone: the admin shows an absence in its employee's (ZoneAwareAdmin).
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.employee}: {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValidationError({"end": _("End must be after start.")})


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


# Topics (with their questions), booking profiles and teams live in their own modules (this
# one is long enough); importing them here registers them with the app and keeps
# `from config_data.models import ...` working, migrations' references included.
from config_data.profiles import BookingProfile, ProfileHours, Team  # noqa: E402, F401
from config_data.topics import (  # noqa: E402, F401
    REMINDER_MAX_MINUTES,
    REMINDERS_MAX,
    InformationQuestion,
    MeetingTopic,
    MeetingTopicQuerySet,
    default_reminder_offsets,
    locations_without_rooms,
    validate_reminder_offsets,
)
