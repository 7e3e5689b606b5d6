"""Booking profiles (seed 003), read-only: what each public booking page offers, and the
additionalFields (the {{variables}}) a booking through it must fill in."""

from __future__ import annotations

from datetime import date, time

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Router
from pydantic import Field

from booking.api.auth import read
from booking.api.docs import described, responses
from booking.api.errors import ApiError
from booking.api.schemas import Id, OutSchema, to_pk
from booking.views.profiles import profile_topics, profiles_with_owners
from config_data.models import BookingProfile, Weekday
from config_data.profile_text import FIELD_MAX_LENGTH

router = Router(tags=["1. Configuration"])

PROFILE_ID = Path(..., alias="profileId", description="The `id` of a profile.", examples=["7"])


class AdditionalFieldOut(OutSchema):
    name: str = Field(examples=["company"])
    required: bool = Field(description="False when the template gives a default.")
    default: str = Field(description="What stands in the text when left empty.")
    max_length: int = Field(examples=[FIELD_MAX_LENGTH])


class WorkHoursOut(OutSchema):
    day_of_week: str = Field(examples=["monday"])
    start: time = Field(description="Local time in the employee's zone.", examples=["09:00:00"])
    end: time = Field(examples=["12:00:00"])


class BookingProfileOut(OutSchema):
    id: str = Field(examples=["7"])
    title: str = Field(examples=["Quick mortgage call"])
    scheduler_link: str = Field(description="The public booking page.")
    employee_id: str | None = Field(description="The owner, or null for a team's profile.")
    team_name: str | None
    employee_ids: list[str] = Field(description="Who a booking may land with.")
    topic_ids: list[str]
    durations: list[int] = Field(description="Minutes; empty: each topic's own duration.")
    active: bool = Field(description="Bookable today: switched on and inside its period.")
    active_from: date | None
    active_until: date | None
    work_hours: list[WorkHoursOut] = Field(description="Empty: the employees' working hours.")
    subject: str = Field(examples=["Call with {{name}} about {{company|your company}}"])
    description: str
    additional_fields: list[AdditionalFieldOut]


def _profiles() -> QuerySet[BookingProfile]:
    """A constant number of queries for any number of profiles (profile_out reads no more)."""
    return profiles_with_owners().prefetch_related("hours", "topics")


def profile_out(request: HttpRequest, profile: BookingProfile) -> BookingProfileOut:
    owners = profile.owner_employees()
    return BookingProfileOut(
        id=str(profile.pk),
        title=profile.title,
        scheduler_link=request.build_absolute_uri(reverse("booking:profile", args=[profile.slug])),
        employee_id=str(profile.employee_id) if profile.employee_id else None,
        team_name=profile.team.name if profile.team is not None else None,
        employee_ids=[str(e.pk) for e in owners],
        topic_ids=[str(t.pk) for t in profile_topics(profile, owners)],
        durations=sorted(profile.durations),
        active=profile.is_open_at(timezone.now(), owners),
        active_from=profile.active_from,
        active_until=profile.active_until,
        work_hours=[
            WorkHoursOut(day_of_week=Weekday(h.weekday).name.lower(), start=h.start, end=h.end)
            for h in profile.hours.all()
        ],
        subject=profile.subject_template,
        description=profile.description_template,
        additional_fields=[
            AdditionalFieldOut(
                name=f.name, required=f.required, default=f.default, max_length=FIELD_MAX_LENGTH
            )
            for f in profile.fields
        ],
    )


@router.get(
    "/bookme/profiles",
    auth=read,
    by_alias=True,
    response=responses({200: list[BookingProfileOut]}),
    openapi_extra=described(),
    summary="List booking profiles",
)
def profiles(request: HttpRequest) -> list[BookingProfileOut]:
    """Every booking profile, open or not (`active` says which can be booked today)."""
    return [profile_out(request, p) for p in _profiles().order_by("title", "pk")]


@router.get(
    "/bookme/profiles/{profileId}",
    auth=read,
    by_alias=True,
    response=responses({200: BookingProfileOut}, 400, 404),
    openapi_extra=described(400, 404),
    summary="Get one booking profile",
)
def profile(request: HttpRequest, profile_id: Id = PROFILE_ID) -> BookingProfileOut:
    """One profile with its additionalFields: a booking through its page must give the
    required ones."""
    pk = to_pk(profile_id)
    found = _profiles().filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise ApiError(404, f"Profile {profile_id!r} not found.", parameter="profileId")
    return profile_out(request, found)
