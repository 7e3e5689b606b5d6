"""Booking profiles (seed 003): a public booking page of an employee or a team.

A profile narrows what its owner offers: some of their topics, some durations, an active
period and, optionally, weekly hours inside their working hours. Its subject and
description may hold {{variables}} (config_data/profile_text.py) that the customer fills in.
Imported by config_data.models, so the app registers these models.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config_data.models import Employee, WeeklyInterval
from config_data.profile_text import MAX_FIELDS, ProfileField, template_errors, template_fields
from config_data.topics import MeetingTopic

MAX_DURATIONS = 8
MAX_DURATION_MINUTES = 24 * 60
# The one placeholder a meeting link pattern may hold: each meeting gets its own room.
LINK_REFERENCE = "{reference}"


class Team(models.Model):
    """A group of employees staff define, to share one booking page."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    employees = models.ManyToManyField(
        Employee, blank=True, related_name="teams", verbose_name=_("employees")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


def validate_durations(value: object) -> None:
    """A short list of distinct whole minutes, each from 1 to a day."""
    if not isinstance(value, list) or not all(
        type(minutes) is int and 1 <= minutes <= MAX_DURATION_MINUTES for minutes in value
    ):
        raise ValidationError(
            _("Enter a list of whole minutes, each from 1 to %(max)s, e.g. [30, 60]."),
            params={"max": MAX_DURATION_MINUTES},
        )
    if len(value) > MAX_DURATIONS:
        raise ValidationError(
            _("At most %(max)s durations per profile."), params={"max": MAX_DURATIONS}
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each duration may appear only once."))


def validate_template(value: str) -> None:
    bad = template_errors(value)
    if bad:
        raise ValidationError(
            _("%(placeholder)s is not a variable: write {{name}} or {{name|default}}."),
            params={"placeholder": bad[0]},
        )


def validate_meeting_link(value: str) -> None:
    """A URL, in which {reference} may stand for the meeting's reference; no other braces."""
    if not value:
        return
    probe = value.replace(LINK_REFERENCE, "reference")
    if "{" in probe or "}" in probe:
        raise ValidationError(
            _("The only placeholder a meeting link may hold is {reference}."),
        )
    URLValidator(schemes=["https", "http"])(probe)


class BookingProfileQuerySet(models.QuerySet["BookingProfile"]):
    def for_employee(self, employee: Employee) -> BookingProfileQuerySet:
        """The employee's own profiles and those of their teams."""
        return self.filter(Q(employee=employee) | Q(team__employees=employee)).distinct()


class BookingProfile(models.Model):
    """A public booking page (/p/<slug>/, the scheduler link) of an employee or a team."""

    employee = models.ForeignKey(
        Employee,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="booking_profiles",
        verbose_name=_("employee"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="booking_profiles",
        verbose_name=_("team"),
    )
    slug = models.SlugField(
        _("link name"),
        max_length=80,
        unique=True,
        help_text=_("The page's address: /p/<link name>/."),
    )
    title = models.CharField(_("title"), max_length=200)
    topics = models.ManyToManyField(
        MeetingTopic, related_name="booking_profiles", verbose_name=_("topics")
    )
    durations = models.JSONField(
        _("durations (minutes)"),
        default=list,
        blank=True,
        validators=[validate_durations],
        help_text=_("e.g. [30, 60]. Empty or []: each topic's own duration."),
    )
    active = models.BooleanField(_("active"), default=True)
    # One period, two meanings (is_open_at): the page is open, and meetings may fall, on
    # these days, each counted in the employee's time zone.
    active_from = models.DateField(
        _("active from"),
        null=True,
        blank=True,
        help_text=_(
            "The first day the page is open and the first day a meeting may take place "
            "(in the employee's time zone). Empty: from now on."
        ),
    )
    active_until = models.DateField(
        _("active until"),
        null=True,
        blank=True,
        help_text=_(
            "The last day the page is open and the last day a meeting may take place "
            "(in the employee's time zone). Empty: no end."
        ),
    )
    subject_template = models.CharField(
        _("meeting subject"),
        max_length=200,
        blank=True,
        validators=[validate_template],
        help_text=_(
            "e.g. Call with {{name}} about {{company|your company}}. Each {{variable}} is "
            "a field the customer fills in; one with |default is optional. "
            "Empty: the topic's name."
        ),
    )
    description_template = models.TextField(
        _("meeting description"), blank=True, validators=[validate_template]
    )
    online_meeting_link = models.CharField(
        _("online meeting link"),
        max_length=500,
        blank=True,
        validators=[validate_meeting_link],
        help_text=_(
            "A fixed URL, or one containing {reference} for a room of its own per meeting, "
            "e.g. https://meet.example.com/bookme-{reference}. Empty: the employee's link."
        ),
    )

    objects = BookingProfileQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("booking profile")
        verbose_name_plural = _("booking profiles")
        constraints = [
            # Whose calendar a booking lands in must never be ambiguous or missing.
            models.CheckConstraint(
                condition=Q(employee__isnull=False, team__isnull=True)
                | Q(employee__isnull=True, team__isnull=False),
                name="bookingprofile_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_until__isnull=True)
                | Q(active_until__gte=F("active_from")),
                name="bookingprofile_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # The check constraints again, with messages on the fields for the admin's form.
        if (self.employee_id is None) == (self.team_id is None):
            raise ValidationError({"employee": _("Choose either an employee or a team.")})
        if self.active_from and self.active_until and self.active_until < self.active_from:
            raise ValidationError({"active_until": _("The period must not end before it starts.")})
        if len(self.fields) > MAX_FIELDS:
            raise ValidationError(
                {
                    "description_template": _("At most %(max)s variables per profile.")
                    % {"max": MAX_FIELDS}
                }
            )

    @property
    def fields(self) -> list[ProfileField]:
        """What the customer fills in: the subject's and the description's variables."""
        return template_fields([self.subject_template, self.description_template])

    @property
    def owner_name(self) -> str:
        return self.employee.name if self.employee is not None else str(self.team)

    def is_open_on(self, day: date) -> bool:
        return (
            self.active
            and (self.active_from is None or self.active_from <= day)
            and (self.active_until is None or day <= self.active_until)
        )

    def is_open_at(self, moment: datetime, owners: Iterable[Employee] | None = None) -> bool:
        """The page is open at this instant: on the day it is for one of its employees
        (`owners`, default owner_employees()); the site's day without any."""
        owners = self.owner_employees() if owners is None else owners
        days = {employee_day(e, moment) for e in owners} or {timezone.localdate(moment)}
        return any(self.is_open_on(day) for day in days)

    def owner_employees(self) -> list[Employee]:
        """Who a booking through this profile may land with (bookable ones only). Filtered
        here, not in the query, so a prefetch of team__employees serves every profile."""
        if self.employee is not None:
            return [self.employee] if self.employee.active else []
        if self.team is None:
            return []
        return [e for e in self.team.employees.all() if e.active]

    def duration_minutes(self, topic: MeetingTopic) -> list[int]:
        return sorted(self.durations) if self.durations else [topic.duration]

    def meeting_link(self, reference: str) -> str:
        """The online meeting's address for the meeting with this reference ("" for none)."""
        return self.online_meeting_link.replace(LINK_REFERENCE, reference)

    @property
    def link_is_per_meeting(self) -> bool:
        return LINK_REFERENCE in self.online_meeting_link


def employee_day(employee: Employee, moment: datetime) -> date:
    """The date `moment` falls on for the employee: the one day a profile's period is read
    in (its page, the search's windows, a booking's check)."""
    return moment.astimezone(ZoneInfo(employee.effective_timezone)).date()


def topics_outside_owner(
    topics: Iterable[MeetingTopic], owners: Iterable[Employee]
) -> list[MeetingTopic]:
    """The topics none of the owner's employees holds (the profile may not offer them)."""
    owner_ids = {e.pk for e in owners}
    return [
        topic
        for topic in topics
        if not owner_ids & set(topic.employees.values_list("pk", flat=True))
    ]


class ProfileHours(WeeklyInterval):
    """A weekly interval in the employee's local time in which the profile may be booked;
    the search offers only times inside both these and the working hours."""

    profile = models.ForeignKey(BookingProfile, on_delete=models.CASCADE, related_name="hours")
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        ordering = ["profile", "weekday", "start"]
        verbose_name = _("profile hours")
        verbose_name_plural = _("profile hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="profilehours_start_before_end"
            ),
            models.UniqueConstraint(
                fields=["profile", "weekday", "start"], name="profilehours_unique_start"
            ),
        ]


def weekly_windows(hours: Iterable[ProfileHours]) -> dict[int, list[tuple[time, time]]]:
    """Profile hours as the engine reads weekly hours: weekday -> [(start, end)]."""
    windows: dict[int, list[tuple[time, time]]] = {}
    for row in sorted(hours, key=lambda h: (h.weekday, h.start)):
        windows.setdefault(row.weekday, []).append((row.start, row.end))
    return windows
