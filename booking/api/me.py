"""Partner apps acting for a person: that person's meetings and schedule (booking.api.people)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from ninja import Query, Router
from pydantic import Field

from booking.api import people
from booking.api.auth import PERSON_REQUIRED, ApiRequest, person_read
from booking.api.docs import described, responses
from booking.api.errors import ApiError
from booking.api.meetings import meeting_out
from booking.api.schemas import InSchema, InstantIn, MeetingOut

router = Router(tags=["7. Partner apps: a person's own"])


class PeriodQuery(InSchema):
    start_date: InstantIn | None = Field(
        None,
        description="Meetings ending after this instant, ISO 8601 with an offset. Default: now.",
        examples=["2026-06-01T00:00:00Z"],
    )
    end_date: InstantIn | None = Field(
        None,
        description="Only meetings starting before this instant. Default: no end.",
        examples=["2026-07-01T00:00:00Z"],
    )


def _person(request: ApiRequest) -> int:
    user_id = request.auth.user_id
    if user_id is None:  # person_read lets only a person's token in; never trust that alone
        raise ApiError(403, PERSON_REQUIRED, code="person_token_required")
    return user_id


def _period(query: PeriodQuery) -> tuple[datetime, datetime | None]:
    start = query.start_date or timezone.now()
    if query.end_date is not None and query.end_date <= start:
        raise ApiError(400, "endDate must be after startDate.", parameter="endDate")
    return start, query.end_date


@router.get(
    "/bookme/me/meetings",
    auth=person_read,
    by_alias=True,
    response=responses({200: list[MeetingOut]}, 400),
    openapi_extra=described(400),
    summary="The signed-in person's own meetings (as customer)",
)
def my_meetings(request: ApiRequest, query: Query[PeriodQuery]) -> list[MeetingOut]:
    """For a partner app's token acting for a person (authorization code flow): the
    meetings that person booked as a customer, confirmed and cancelled, earliest first,
    at most 500. A client's own token (client credentials) gets 403."""
    user_id = _person(request)
    start, end = _period(query)
    found = people.between(people.customer_meetings(user_id), start=start, end=end)
    return [meeting_out(meeting, customer_reference=False) for meeting in found]


@router.get(
    "/bookme/me/schedule",
    auth=person_read,
    by_alias=True,
    response=responses({200: list[MeetingOut]}, 400, 404),
    openapi_extra=described(400, 404),
    summary="The signed-in employee's schedule",
)
def my_schedule(request: ApiRequest, query: Query[PeriodQuery]) -> list[MeetingOut]:
    """For a partner app's token acting for a person who is an employee: the confirmed
    meetings they hold, earliest first, at most 500. 404 when the person is not an
    employee; a client's own token (client credentials) gets 403."""
    user_id = _person(request)
    start, end = _period(query)
    employee = people.employee_of(user_id)
    if employee is None:
        raise ApiError(404, "No schedule: the signed-in person is not an employee.")
    found = people.between(people.schedule_meetings(employee), start=start, end=end)
    return [meeting_out(meeting, customer_reference=False) for meeting in found]
