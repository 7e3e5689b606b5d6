"""Steps 5-6 of the seed: the meeting on a Booked slot, its invite; reading and cancelling it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from ninja import Body, Path, Router, Status

from booking import catalog, privacy, services
from booking.actors import Actor
from booking.api import lookups
from booking.api.auth import ApiCaller, ApiRequest, read_or_person, write
from booking.api.docs import described, responses
from booking.api.errors import ApiError, domain_errors
from booking.api.schemas import (
    AnswerOut,
    BookedByName,
    CustomerOut,
    IcalIn,
    Id,
    MeetingIn,
    MeetingOut,
    MeetingOutcomeName,
    MeetingStatusName,
    MeetingTypeEnum,
    to_pk,
)
from booking.errors import InvalidRequest
from booking.ical import meeting_calendar, meeting_location
from booking.models import Customer, Meeting, MeetingAnswer, TimeSlot
from booking.views.profiles import profiles_with_owners
from config_data.models import BookingProfile, Employee, MeetingType, Room

router = Router(tags=["5-6. Meetings"])

MEETING_ID = Path(
    ..., alias="meetingId", description="The `id` of a meeting you created.", examples=["4711"]
)

MEETING_EXAMPLE = {
    "bookedBy": "customer",
    "customerCategoryId": "123",
    "timeSlotId": "12345",
    "type": "physical",
    "themeId": "111",
    "roomId": "222",
    "employeeId": "333",
    "customerId": "67890",
    "description": "Meeting description",
}


def meeting_out(
    meeting: Meeting,
    answers: Iterable[MeetingAnswer] | None = None,
    *,
    customer_reference: bool = True,
) -> MeetingOut:
    """The meeting as the API shows it. `customer_reference=False` leaves out the client's
    own customerId (a partner app acting for a person must not see another client's)."""
    slot, customer = meeting.time_slot, meeting.customer
    return MeetingOut(
        id=str(meeting.pk),
        status=cast(MeetingStatusName, meeting.status),
        time_slot_id=str(slot.pk),
        start_date=slot.start,
        end_date=slot.end,
        type=MeetingTypeEnum(meeting.meeting_type),
        theme_id=str(meeting.topic_id),
        employee_id=None if slot.employee_id is None else str(slot.employee_id),
        room_id=None if slot.room_id is None else str(slot.room_id),
        customer_category_id=(
            None if meeting.customer_category_id is None else str(meeting.customer_category_id)
        ),
        booked_by=cast(BookedByName, meeting.booked_by),
        description=meeting.description,
        customer=CustomerOut(
            id=lookups.client_customer_id(customer) if customer_reference else None,
            name=customer.name or None,
            email=customer.email or None,
            phone=customer.phone,
        ),
        answers=[
            AnswerOut(
                question_id=None if a.question_id is None else str(a.question_id),
                question=a.question_text,
                answer=a.answer,
            )
            for a in (meeting.answers.all() if answers is None else answers)
        ],
        location=meeting_location(meeting),
        time_zone=meeting.display_zone.key,
        subject=meeting.subject,
        join_link=_join_link(meeting),
        created_at=meeting.created_at,
        cancelled_at=meeting.cancelled_at,
        outcome=cast(MeetingOutcomeName, meeting.outcome) if meeting.outcome else None,
        outcome_at=meeting.outcome_at,
    )


def _join_link(meeting: Meeting) -> str | None:
    """An online meeting's address; null for the other types (nothing to join)."""
    return (meeting.join_link or None) if meeting.meeting_type == MeetingType.ONLINE else None


def _answers(given: dict[str, str] | None) -> dict[int, str]:
    answers: dict[int, str] = {}
    for key, text in (given or {}).items():
        pk = to_pk(key)
        if pk is None:
            raise InvalidRequest("unknown_question", field=f"answers.{key}")
        answers[pk] = text
    return answers


def _profile(profile_id: str | None) -> BookingProfile | None:
    """The booking profile profileId names, with the owners its checks read. One that
    names none is the body's fault (400), as a closed one is (the service's check)."""
    if profile_id is None:
        return None
    pk = to_pk(profile_id)
    found = profiles_with_owners().filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise ApiError(
            400,
            f"profileId {profile_id!r} names no booking profile.",
            parameter="profileId",
            code="unknown_profile",
        )
    return found


def _customer(payload: MeetingIn, caller: ApiCaller) -> Customer:
    """The customer by the client's customerId: updated from `customer` when sent, else
    found or recorded as the client's reference alone (no contact details, no email)."""
    external_id = lookups.external_customer_id(caller, payload.customer_id)
    if payload.customer is not None:
        return services.customer_upsert(
            name=payload.customer.name,
            email=payload.customer.email,
            phone=payload.customer.phone,
            external_id=external_id,
        )
    if not external_id:
        raise ApiError(
            400,
            "Send customerId (your reference for the customer) or customer {name, email}.",
            parameter="customerId",
            code="customer_reference_required",
        )
    return services.customer_for_reference(external_id=external_id)


@router.post(
    "/bookme/meetings",
    auth=write,
    by_alias=True,
    response=responses({201: MeetingOut}, 400, 404, 409),
    openapi_extra=described(
        400,
        404,
        409,
        responses={201: {"description": "The meeting, confirmed."}},
        requestBody={"content": {"application/json": {"example": MEETING_EXAMPLE}}},
    ),
    summary="Create a meeting on a Booked time slot",
)
@domain_errors("meeting")
def create_meeting(request: ApiRequest, payload: MeetingIn) -> Status[MeetingOut]:
    """The time slot must be yours and Booked (409 otherwise, e.g. still Reserved).

    The meeting must fit the slot (400 naming the field): the theme's duration is the
    slot's length; a slot held with a theme or meeting type takes only that one; the
    employee must hold the theme and the type. `employeeId` may be left out; when sent it
    must be the slot's. `roomId` must be the slot's room, or, for a slot held without one
    (the seed's reserve body), a free room the in-person meeting takes.

    `customerId` is your reference for the customer, kept per client: alone it is enough
    (BookMe then has no contact details and sends no email: download the invite from
    `POST /bookme/meetings/{id}/ical`). `customer` {name, email, phone} is optional; sent,
    it records or updates the details and the invitation goes to that email.
    Answers to the topic's information questions go in `answers`, keyed by question id.

    Through a booking profile: `profileId` and its additionalFields in `profileFields`
    (`{"name": "Carla"}`). The profile must be open on the meeting's day, offer the theme
    and the slot's length, employee and time (its workHours); its subject, description
    and online link become the meeting's. An unknown or closed profile is a 400 naming
    profileId, a missing or unknown field one naming `profileFields.<name>`.

    Checked in this order: authentication (401/403), the body's shape (400), the slot is
    yours (404), its state (409, whatever else the body holds), then the theme,
    category, employee and room ids (404), the profile id (400), and last how the
    meeting fits (400/409).
    """
    holder = request.auth.holder
    slot: TimeSlot = lookups.own_time_slot(holder, payload.time_slot_id, parameter="timeSlotId")
    services.meeting_slot_ready(slot, now=timezone.now())
    topic = lookups.topic(payload.theme_id, parameter="themeId")
    category = (
        lookups.category(payload.customer_category_id, parameter="customerCategoryId")
        if payload.customer_category_id is not None
        else None
    )
    lookups.must_match(payload.employee_id, slot.employee_id, Employee, parameter="employeeId")
    room = None
    if slot.room_id is not None:
        lookups.must_match(payload.room_id, slot.room_id, Room, parameter="roomId")
    elif payload.room_id is not None:
        room = lookups.room(payload.room_id, parameter="roomId")
    profile = _profile(payload.profile_id)
    answers = _answers(payload.answers)
    with transaction.atomic():
        meeting = services.meeting_create(
            actor=Actor.for_api_client(request.auth.application_id),
            time_slot_id=slot.pk,
            topic=topic,
            customer=_customer(payload, request.auth),
            meeting_type=payload.type.value,
            customer_category=category,
            room=room,
            description=payload.description,
            answers=answers,
            booked_by=payload.booked_by,
            profile=profile,
            profile_fields=payload.profile_fields,
        )
    # Answered from the objects in hand, not read again: the slot (locked by the service),
    # the customer, and the employee and room with their locations from the catalog.
    config = catalog.current()
    slot = meeting.time_slot
    if slot.employee_id is not None:
        slot.employee = config.employees[slot.employee_id]
    if slot.room_id is not None:
        slot.room = config.rooms[slot.room_id]
    answered = meeting.answers.all() if config.topic_questions(topic) else []
    return Status(201, meeting_out(meeting, answered))


@router.get(
    "/bookme/meetings/{meetingId}",
    auth=read_or_person,
    by_alias=True,
    response=responses({200: MeetingOut}, 400, 404),
    openapi_extra=described(400, 404),
    summary="Get one of your meetings",
)
def get_meeting(request: ApiRequest, meeting_id: Id = MEETING_ID) -> MeetingOut:
    """A meeting you created, with its status (confirmed or cancelled).

    With a partner app's token acting for a person: one of that person's meetings, as
    customer or as employee (`customer.id` is then null); any other meeting answers 404.
    """
    caller = request.auth
    meeting = lookups.caller_meeting(caller, meeting_id, parameter="meetingId")
    return meeting_out(meeting, customer_reference=not caller.is_person)


@router.post(
    "/bookme/meetings/{meetingId}/cancel",
    auth=write,
    by_alias=True,
    response=responses({200: MeetingOut}, 400, 404),
    openapi_extra=described(400, 404),
    summary="Cancel one of your meetings",
)
@domain_errors("meeting_id")
def cancel_meeting(request: ApiRequest, meeting_id: Id = MEETING_ID) -> MeetingOut:
    """Cancels the meeting and frees its time; cancelling again changes nothing.

    The customer's online cut-off does not apply to API clients, which act for the
    organisation. A cancelled meeting's invite (the ical endpoint) is a METHOD:CANCEL.
    """
    holder = request.auth.holder
    meeting = lookups.own_meeting(holder, meeting_id, parameter="meetingId")
    services.meeting_cancel(
        actor=Actor.for_api_client(request.auth.application_id), meeting_id=meeting.pk
    )
    return meeting_out(lookups.own_meeting(holder, meeting_id, parameter="meetingId"))


@router.post(
    "/bookme/meetings/{meetingId}/ical",
    auth=read_or_person,
    response=responses({200: None}, 400, 404),
    openapi_extra=described(
        400,
        404,
        responses={
            200: {
                "description": "The meeting as an iCalendar invite (RFC 5545).",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        },
        requestBody={
            "content": {
                "application/json": {
                    "example": {"title": "Meeting title", "description": "Meeting description"}
                }
            }
        },
    ),
    summary="Download a meeting's invite (.ics)",
)
def meeting_ical(
    request: ApiRequest,
    payload: Body[IcalIn | None] = None,
    meeting_id: Id = MEETING_ID,
) -> HttpResponse:
    """The same invite the customer gets by email. Every body property is optional:
    `title` replaces the summary (default: the topic's name), `description` the meeting's.
    A partner app acting for a person gets the invite of that person's meetings only.
    """
    meeting = lookups.caller_meeting(request.auth, meeting_id, parameter="meetingId")
    ics = meeting_calendar(
        meeting,
        title=payload.title if payload else None,
        description=payload.description if payload else None,
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    privacy.mark_private(response)  # the customer's name and email: no cache may keep it
    return response
