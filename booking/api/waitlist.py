"""The waitlist: a client puts a customer on it for a topic and options over a range.

When a matching time frees, BookMe holds it for the customer and emails them a single-use
link (booking.waitlist); the client reads the entry's status here or takes it off the list.
"""

from __future__ import annotations

from typing import Annotated, Literal, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Path, Router, Status
from pydantic import AfterValidator, Field

from booking import waitlist
from booking.actors import Actor
from booking.api import lookups
from booking.api.auth import ApiRequest, read, write
from booking.api.docs import described, responses
from booking.api.errors import ApiError, english, retry_after_headers
from booking.api.schemas import (
    CUSTOMER_ID_MAX_LENGTH,
    Id,
    InSchema,
    Instant,
    InstantIn,
    MeetingTypeEnum,
    OutSchema,
    Text,
    to_pk,
)
from booking.errors import BookingError
from booking.models import WaitlistEntry
from booking.validators import has_line_break_or_control
from config_data.models import Location

router = Router(tags=["8. Waitlist"])

WAITLIST_ID = Path(
    ..., alias="waitlistId", description="The `id` from the join response.", examples=["42"]
)
WAITLIST_EXAMPLE = {
    "themeId": "111",
    "meetingType": "online",
    "employeeId": "333",
    "startDate": "2026-06-01T00:00:00Z",
    "endDate": "2026-06-15T00:00:00Z",
    "customerId": "67890",
    "email": "kim@example.com",
    "name": "Kim Jensen",
    "language": "da",
}
WaitlistStatusName = Literal["waiting", "claimed", "left", "ended"]
# A domain error's field -> the name the client sent.
PARAMETERS = {
    "start": "startDate",
    "end": "endDate",
    "topic": "themeId",
    "meeting_type": "meetingType",
    "employee": "employeeId",
    "location": "locationId",
    "customer_category": "customerCategoryId",
    "email": "email",
    "name": "name",
}


def _single_line(value: str) -> str:
    if has_line_break_or_control(value):
        raise ValueError("must be one line without control characters")
    return value


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError("not a valid email address") from None
    return value


class WaitlistIn(InSchema):
    theme_id: Id = Field(description="The topic (theme) wanted.")
    meeting_type: MeetingTypeEnum
    location_id: Id | None = Field(None, description="A branch; null: any.")
    employee_id: Id | None = Field(None, description="An employee; null: any available one.")
    customer_category_id: Id | None = None
    start_date: InstantIn = Field(description="Times from this instant suit the customer.")
    end_date: InstantIn = Field(description="... and ending by this one.")
    customer_id: Annotated[Text, AfterValidator(_single_line)] | None = Field(
        None, max_length=CUSTOMER_ID_MAX_LENGTH, description="Your reference for the customer."
    )
    email: Annotated[Text, AfterValidator(_email)] = Field(
        max_length=254, description="Where the offers go: the customer's address."
    )
    name: Annotated[Text, AfterValidator(_single_line)] = Field("", max_length=200)
    language: Literal["en", "de", "da"] = Field("en", description="The language of the emails.")


class WaitlistOut(OutSchema):
    id: str = Field(examples=["42"])
    status: WaitlistStatusName = Field(
        description="waiting; claimed (the customer took an offered time); left; ended (the "
        "range is over)."
    )
    theme_id: str
    meeting_type: MeetingTypeEnum
    location_id: str | None
    employee_id: str | None
    customer_category_id: str | None
    start_date: Instant
    end_date: Instant
    customer_id: str | None
    email: str
    created_at: Instant


def waitlist_out(entry: WaitlistEntry) -> WaitlistOut:
    def text(pk: int | None) -> str | None:
        return None if pk is None else str(pk)

    return WaitlistOut(
        id=str(entry.pk),
        status=cast(WaitlistStatusName, entry.status),
        theme_id=str(entry.topic_id),
        meeting_type=MeetingTypeEnum(entry.meeting_type),
        location_id=text(entry.location_id),
        employee_id=text(entry.employee_id),
        customer_category_id=text(entry.customer_category_id),
        start_date=entry.window_start,
        end_date=entry.window_end,
        customer_id=entry.customer_reference or None,
        email=entry.email,
        created_at=entry.created_at,
    )


def _api_error(exc: BookingError) -> ApiError:
    return ApiError(
        exc.status,
        english(exc),
        parameter=PARAMETERS.get(exc.field or "", exc.field),
        code=exc.code,
        headers=retry_after_headers(exc),
    )


def _location(value: str) -> Location:
    pk = to_pk(value)
    location = Location.objects.filter(pk=pk).first() if pk is not None else None
    if location is None:
        raise ApiError(404, f"Location {value!r} not found.", parameter="locationId")
    return location


def _own(request: ApiRequest, value: str) -> WaitlistEntry:
    """One of the caller's entries; another client's, or none, is a 404."""
    pk = to_pk(value)
    entry = (
        WaitlistEntry.objects.owned_by(request.auth.holder).filter(pk=pk).first()
        if pk is not None
        else None
    )
    if entry is None:
        raise ApiError(404, f"Waitlist entry {value!r} not found.", parameter="waitlistId")
    return entry


@router.post(
    "/bookme/waitlist",
    auth=write,
    by_alias=True,
    response=responses({201: WaitlistOut, 200: WaitlistOut}, 400, 404),
    openapi_extra=described(
        400,
        404,
        responses={
            201: {"description": "On the waitlist."},
            200: {"description": "The same entry was already waiting: that one."},
        },
        requestBody={"content": {"application/json": {"example": WAITLIST_EXAMPLE}}},
    ),
    summary="Put a customer on the waitlist",
)
def join_waitlist(request: ApiRequest, payload: WaitlistIn) -> Status[WaitlistOut]:
    """When a time matching the topic, meeting type, branch and employee frees within the
    range (a cancellation, a reschedule, a lapsed hold, changed hours), BookMe holds it for
    the customer for BOOKME_WAITLIST_OFFER_MINUTES and emails them a single-use link to take
    it; unused, it passes to the next customer. First come, first served; one offer per
    customer at a time. The range must end in the future, start within the topic's
    booking horizon and end at most a day after it (400 on endDate past that). You can
    have at most 1000 customers waiting at once (429 past that).
    """
    topic = lookups.topic(payload.theme_id, parameter="themeId")
    location = _location(payload.location_id) if payload.location_id is not None else None
    employee = (
        lookups.employee(payload.employee_id, parameter="employeeId")
        if payload.employee_id is not None
        else None
    )
    category = (
        lookups.category(payload.customer_category_id, parameter="customerCategoryId")
        if payload.customer_category_id is not None
        else None
    )
    try:
        entry, created = waitlist.waitlist_join(
            actor=Actor.for_api_client(request.auth.application_id),
            wish=waitlist.Wish(
                topic=topic,
                meeting_type=payload.meeting_type.value,
                window_start=payload.start_date,
                window_end=payload.end_date,
                location=location,
                employee=employee,
                customer_category=category,
            ),
            email=payload.email,
            name=payload.name,
            language=payload.language,
            customer_reference=payload.customer_id or "",
        )
    except BookingError as exc:
        raise _api_error(exc) from exc
    return Status(201 if created else 200, waitlist_out(entry))


@router.get(
    "/bookme/waitlist/{waitlistId}",
    auth=read,
    by_alias=True,
    response=responses({200: WaitlistOut}, 400, 404),
    openapi_extra=described(400, 404),
    summary="Get one of your waitlist entries",
)
def get_waitlist_entry(request: ApiRequest, waitlist_id: Id = WAITLIST_ID) -> WaitlistOut:
    """An entry you created, with its status (another client's is a 404)."""
    return waitlist_out(_own(request, waitlist_id))


@router.delete(
    "/bookme/waitlist/{waitlistId}",
    auth=write,
    by_alias=True,
    response=responses({204: None}, 400, 404),
    openapi_extra=described(400, 404, responses={204: {"description": "Off the waitlist."}}),
    summary="Take a customer off the waitlist",
)
def leave_waitlist(request: ApiRequest, waitlist_id: Id = WAITLIST_ID) -> Status[None]:
    """No more offers for it; a time held for it right now is given back at once."""
    entry = _own(request, waitlist_id)
    waitlist.waitlist_leave(entry_id=entry.pk)
    return Status(204, None)
