"""Meeting topics: what a meeting is about, who may hold it, for whom, and how it is booked;
and the questions a customer answers. Imported at the end of config_data/models.py, so
`from config_data.models import MeetingTopic` works everywhere."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config_data.models import (
    CustomerCategory,
    Employee,
    Location,
    MeetingTypesOffered,
    Room,
    RoomFeature,
)


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

    name = models.CharField(_("name"), max_length=200)  # unique per language: Meta
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
    required_room_features = models.ManyToManyField(
        RoomFeature,
        blank=True,
        related_name="requiring_topics",
        verbose_name=_("required room features"),
        help_text=_("An in-person meeting takes only a room that has all of them."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("customers per slot"),
        default=1,
        help_text=_("More than one makes a group session."),
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
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("meeting topic")
        verbose_name_plural = _("meeting topics")
        constraints = [
            # Binds each language's column, not the original (config_data/translation.py).
            models.UniqueConstraint(fields=["name"], name="topic_unique_name"),
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
