"""A booking profile's fields as the customer filled them in, checked before a meeting
keeps them; whether a meeting is one the profile offers; the texts the meeting keeps."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking.availability import ProfileWindow, covers, local_days, profile_spans
from booking.errors import InvalidRequest
from config_data.models import BookingProfile, Employee, MeetingTopic
from config_data.profile_text import FIELD_MAX_LENGTH, render_template
from config_data.profiles import employee_day, weekly_windows


def checked_profile_fields(
    profile: BookingProfile | None, values: Mapping[str, object] | None
) -> dict[str, str]:
    """The values to store: each stripped, known to the profile, within the length limit,
    and every required one given. Errors name `profile_fields.<name>`."""
    given = dict(values or {})
    if profile is None:
        if given:
            name = sorted(given)[0]
            raise InvalidRequest("profile_field_unknown", field=f"profile_fields.{name}", name=name)
        return {}
    fields = {field.name: field for field in profile.fields}
    cleaned: dict[str, str] = {}
    for name, value in given.items():
        if name not in fields:
            raise InvalidRequest("profile_field_unknown", field=f"profile_fields.{name}", name=name)
        if value is not None and not isinstance(value, str):
            raise InvalidRequest("profile_field_text", field=f"profile_fields.{name}", name=name)
        text = (value or "").strip()
        if len(text) > FIELD_MAX_LENGTH:
            raise InvalidRequest(
                "profile_field_too_long",
                field=f"profile_fields.{name}",
                name=fields[name].label,
                limit=FIELD_MAX_LENGTH,
            )
        if text:
            cleaned[name] = text
    for field in fields.values():
        if field.required and not cleaned.get(field.name):
            raise InvalidRequest(
                "profile_field_required", field=f"profile_fields.{field.name}", name=field.label
            )
    return cleaned


def check_profile_offers(profile: BookingProfile, *, topic: MeetingTopic, minutes: int) -> None:
    """The profile offers the topic in this many minutes (its page's links and every
    booking through it ask this one question)."""
    if not profile.topics.filter(pk=topic.pk).exists():
        raise InvalidRequest("profile_topic", field="topic", topic=topic)
    if minutes not in profile.duration_minutes(topic):
        raise InvalidRequest("profile_duration", field="duration", minutes=minutes)


def check_profile_allows(
    profile: BookingProfile,
    *,
    topic: MeetingTopic,
    minutes: int,
    employee_id: int | None,
    start: datetime,
) -> None:
    """A meeting booked through the profile is one its page offers: one of its topics and
    durations, with one of its owner's employees, on a day of its period and inside its
    weekly hours for that employee (their zone, as the search reads both). The page only
    offers such times; an API client may hold any working time and then name the profile."""
    check_profile_offers(profile, topic=topic, minutes=minutes)
    employee = next((e for e in profile.owner_employees() if e.pk == employee_id), None)
    if employee is None:
        raise InvalidRequest("profile_employee", field="employee")
    if not profile.is_open_on(employee_day(employee, start)):
        raise InvalidRequest("profile_closed", field="profile")
    _check_within_hours(profile, employee, start=start, end=start + timedelta(minutes=minutes))


def profile_window(profile: BookingProfile) -> ProfileWindow:
    """The profile's limits as the engine reads them (its hours: one query)."""
    hours = list(profile.hours.all())
    return ProfileWindow(
        weekly=weekly_windows(hours) if hours else None,
        first_day=profile.active_from,
        last_day=profile.active_until,
    )


def _check_within_hours(
    profile: BookingProfile, employee: Employee, *, start: datetime, end: datetime
) -> None:
    """[start, end) lies inside one of the profile's windows, computed by the engine's own
    function (profile_spans): the same wall-clock times to instants, DST included."""
    window = profile_window(profile)
    if window.weekly is None:
        return  # no hours of its own: the working hours the hold was checked against rule
    zone = ZoneInfo(employee.effective_timezone)
    spans = profile_spans(window, zone, local_days(start, end, zone))
    if not covers(spans, [s for s, _ in spans], start, end):
        raise InvalidRequest("profile_hours", field="time_slot")


def profile_texts(
    profile: BookingProfile | None, values: Mapping[str, str], *, reference: str
) -> dict[str, str]:
    """The Meeting fields a booking through the profile keeps: its subject and description
    filled in with the customer's values, and its online link (the meeting's own room when
    the pattern holds {reference}). Empty without a profile."""
    if profile is None:
        return {"profile_subject": "", "profile_text": "", "profile_link": ""}
    return {
        "profile_subject": render_template(profile.subject_template, values).strip(),
        "profile_text": render_template(profile.description_template, values).strip(),
        "profile_link": profile.meeting_link(reference),
    }
