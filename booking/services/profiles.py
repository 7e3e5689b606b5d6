"""A booking profile's fields as the customer filled them in, checked before a meeting
keeps them; whether a meeting is one the profile offers; the texts the meeting keeps."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from booking.errors import InvalidRequest
from config_data.models import BookingProfile, MeetingTopic
from config_data.profile_text import FIELD_MAX_LENGTH, render_template
from config_data.profiles import employee_day


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
    durations, with one of its owner's employees, on a day of its period for that employee
    (their zone, as the search reads the period)."""
    check_profile_offers(profile, topic=topic, minutes=minutes)
    employee = next((e for e in profile.owner_employees() if e.pk == employee_id), None)
    if employee is None:
        raise InvalidRequest("profile_employee", field="employee")
    if not profile.is_open_on(employee_day(employee, start)):
        raise InvalidRequest("profile_closed", field="profile")


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
