"""Steps 2-4 of the seed: search free time, hold it (Reserved), confirm it (Booked)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from django.http import HttpResponse
from django.utils import timezone
from ninja import Body, Path, Query, Router, Status

from booking import services
from booking.actors import Actor
from booking.api import lookups
from booking.api.auth import ApiRequest, read, write
from booking.api.docs import described, responses
from booking.api.errors import ApiError, domain_errors
from booking.api.rendering import json_response
from booking.api.schemas import (
    AvailableQuery,
    AvailableSlotOut,
    Id,
    PatchOperation,
    ReserveIn,
    TimeSlotOut,
    TimeSlotStatusName,
)
from booking.errors import InvalidRequest
from booking.models import (
    LONGEST_BLOCK,
    LONGEST_BLOCK_HOURS,
    OCCUPYING_STATUSES,
    TimeSlot,
    TimeSlotStatus,
)
from booking.search import SlotSearch, find_slots

router = Router(tags=["2-4. Time slots"])

DEFAULT_SEARCH_WINDOW = timedelta(days=7)

TIME_SLOT_ID = Path(
    ..., alias="timeSlotId", description="The `id` from the reserve response.", examples=["12345"]
)

RESERVE_EXAMPLE = {
    "timeSlot": {
        "startDate": "2026-06-02T08:00:00Z",
        "endDate": "2026-06-02T09:00:00Z",
        "status": "Reserved",
        "employeeId": "67890",
    },
    "token": "reservation-token",
}
PATCH_EXAMPLE = [{"op": "replace", "path": "/status", "value": "Booked"}]
PATCH_SCHEMA = {
    "type": "array",
    "items": {"$ref": "#/components/schemas/PatchOperation"},
    "minItems": 1,
    "maxItems": 1,
}
ONE_OPERATION = "A JSON Patch here holds exactly one operation (replace /status)."


def utc(moment: datetime) -> datetime:
    """The engine's times are UTC already; others are converted (orjson writes UTC as Z)."""
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def time_slot_out(slot: TimeSlot) -> TimeSlotOut:
    return TimeSlotOut(
        id=str(slot.pk),
        status=cast(TimeSlotStatusName, slot.status),
        start_date=slot.start,
        end_date=slot.end,
        employee_id=None if slot.employee_id is None else str(slot.employee_id),
        room_id=None if slot.room_id is None else str(slot.room_id),
        theme_id=None if slot.topic_id is None else str(slot.topic_id),
        # A hold's end, or a Booked slot's deadline for its meeting; null once it has one.
        expires_at=slot.expires_at if slot.status in OCCUPYING_STATUSES else None,
    )


@router.get(
    "/bookme/time-slots/available",
    auth=read,
    by_alias=True,
    response=responses({200: list[AvailableSlotOut]}, 400, 404),
    openapi_extra=described(400, 404),
    summary="Search available time slots",
)
@domain_errors("search")
def available_time_slots(request: ApiRequest, query: Query[AvailableQuery]) -> HttpResponse:
    """Free times matching the filters, sorted by start, then employee.

    Each slot can be sent as the `timeSlot` of a reservation. With `theme` the topic's
    duration, step, buffers, notice, horizon, customer categories and room needs apply.
    A search covers at most BOOKME_MAX_SEARCH_DAYS (31) days: past that, 400 naming endDate.
    """
    now = timezone.now()
    start = query.start_date or now
    end = query.end_date or start + DEFAULT_SEARCH_WINDOW
    topic = lookups.topic(query.theme, parameter="theme") if query.theme else None
    category = (
        lookups.category(query.customer_category_id, parameter="customerCategoryId")
        if query.customer_category_id is not None
        else None
    )
    employee_ids = (
        lookups.employee_pks(query.explicit_employee_ids, parameter="explicitEmployeeIds")
        if query.explicit_employee_ids
        else None
    )
    room_ids = (
        lookups.room_pks(query.specific_rooms, parameter="specificRooms")
        if query.specific_rooms
        else None
    )
    room_features = (
        lookups.room_feature_pks(query.required_room_features, parameter="requiredRoomFeatures")
        if query.required_room_features
        else None
    )
    search = SlotSearch(
        start=start,
        end=end,
        topic=topic,
        customer_category_id=category.pk if category else None,
        employee_ids=employee_ids,
        meeting_types=frozenset(query.meeting_types) if query.meeting_types else None,
        require_room=query.require_room,
        room_ids=room_ids,
        duration=timedelta(minutes=query.meeting_duration) if query.meeting_duration else None,
        require_employee=query.require_employee_participation,
        room_features=room_features,
    )
    # Plain dicts to orjson, not pydantic models: a fortnight of all employees is thousands
    # of slots, and validating each cost more than finding them. The shape is AvailableSlotOut's
    # (tests compare both with the OpenAPI document).
    types_out: dict[frozenset[str], list[str]] = {}
    ids_out: dict[int | None, str | None] = {None: None}
    rows = []
    for slot in find_slots(search, now=now):
        types = types_out.get(slot.meeting_types)
        if types is None:
            types = types_out[slot.meeting_types] = sorted(slot.meeting_types)
        employee_id, room_id = slot.employee_id, slot.room_id
        if employee_id not in ids_out:
            ids_out[employee_id] = str(employee_id)
        if room_id not in ids_out:
            ids_out[room_id] = str(room_id)
        rows.append(
            {
                "startDate": utc(slot.start),
                "endDate": utc(slot.end),
                "employeeId": ids_out[employee_id],
                "roomId": ids_out[room_id],
                "meetingTypes": types,
                "seatsLeft": slot.seats_left,
            }
        )
    return json_response(rows)


@router.post(
    "/bookme/time-slots/reserve",
    auth=write,
    by_alias=True,
    response=responses({201: TimeSlotOut, 200: TimeSlotOut}, 400, 404, 409),
    openapi_extra=described(
        400,
        404,
        409,
        responses={
            200: {"description": "The token was used before: the same reservation again."},
            201: {"description": "Reserved: held for you until expiresAt."},
        },
        requestBody={"content": {"application/json": {"example": RESERVE_EXAMPLE}}},
    ),
    summary="Reserve (hold) a time slot",
)
@domain_errors("reserve")
def reserve_time_slot(request: ApiRequest, payload: ReserveIn) -> Status[TimeSlotOut]:
    """Hold the time for you for BOOKME_HOLD_MINUTES (15) minutes: book it before `expiresAt`.

    The time is re-checked now: taken or overlapping another booking gives 409.
    `token` makes the call idempotent: sending the same token again returns the same
    reservation (200) instead of holding a second one; the same token for a different
    time is a 400. You can hold at most BOOKME_API_MAX_ACTIVE_HOLDS (20) times at once:
    past that 429, with Retry-After the seconds until your first hold lapses.
    """
    wanted = payload.time_slot
    if wanted.end_date <= wanted.start_date:
        raise ApiError(
            400,
            "endDate must be after startDate.",
            parameter="timeSlot.endDate",
            code="end_before_start",
        )
    if wanted.end_date - wanted.start_date > LONGEST_BLOCK:
        # Before any lookup; with a theme's buffers the service checks the blocked time too.
        raise InvalidRequest("slot_too_long", field="end", hours=LONGEST_BLOCK_HOURS)
    if wanted.employee_id is None and wanted.room_id is None:
        raise ApiError(
            400,
            "Give an employeeId (or a roomId for a room-only slot).",
            parameter="timeSlot.employeeId",
            code="employee_or_room_required",
        )
    slot, created = services.time_slot_reserve(
        actor=Actor.for_api_client(request.auth.application_id),
        wanted=services.SlotRequest(
            start=wanted.start_date,
            end=wanted.end_date,
            employee=(
                lookups.employee(wanted.employee_id, parameter="timeSlot.employeeId")
                if wanted.employee_id is not None
                else None
            ),
            room=(
                lookups.room(wanted.room_id, parameter="timeSlot.roomId")
                if wanted.room_id is not None
                else None
            ),
            topic=(
                lookups.topic(payload.theme_id, parameter="themeId") if payload.theme_id else None
            ),
            meeting_type=payload.meeting_type.value if payload.meeting_type else None,
            room_features=(
                lookups.room_feature_pks(
                    payload.required_room_features, parameter="requiredRoomFeatures"
                )
                if payload.required_room_features
                else None
            ),
        ),
        token=payload.token,
    )
    return Status(201 if created else 200, time_slot_out(slot))


@router.get(
    "/bookme/time-slots/{timeSlotId}",
    auth=read,
    by_alias=True,
    response=responses({200: TimeSlotOut}, 400, 404),
    openapi_extra=described(400, 404),
    summary="Get one of your time slots",
)
@domain_errors("time_slot")
def get_time_slot(request: ApiRequest, time_slot_id: Id = TIME_SLOT_ID) -> TimeSlotOut:
    """A time slot you reserved, with its current status."""
    return time_slot_out(
        lookups.own_time_slot(request.auth.holder, time_slot_id, parameter="timeSlotId")
    )


@router.patch(
    "/bookme/time-slots/{timeSlotId}",
    auth=write,
    by_alias=True,
    response=responses({200: TimeSlotOut}, 400, 404, 409),
    openapi_extra=described(
        400,
        404,
        409,
        requestBody={
            "content": {
                "application/json-patch+json": {"schema": PATCH_SCHEMA, "example": PATCH_EXAMPLE},
                "application/json": {"schema": PATCH_SCHEMA, "example": PATCH_EXAMPLE},
            }
        },
    ),
    summary="Book or cancel a time slot (JSON Patch)",
)
@domain_errors("time_slot")
def update_time_slot(
    request: ApiRequest,
    operations: Body[list[PatchOperation]],
    time_slot_id: Id = TIME_SLOT_ID,
) -> TimeSlotOut:
    """A JSON Patch (RFC 6902) document; the one operation supported is replacing `/status`:

    - `"Booked"`: confirm your hold. Only before `expiresAt` (409 after); booking twice is fine.
      Then create its meeting within BOOKME_BOOKED_WITHOUT_MEETING_MINUTES (15), before the
      new `expiresAt`, or the time is released. At most BOOKME_API_MAX_BOOKED_WITHOUT_MEETING
      (20) of your slots can wait for their meeting at once: past that 429 with Retry-After.
    - `"Cancelled"`: give the time up (a meeting on it is cancelled too).

    Send it as `application/json-patch+json` or `application/json`, with exactly one
    operation (an empty patch or two operations is a 400). Any other operation, path or
    value is a 400 naming it (e.g. `0.op`).
    """
    # One operation, one transition: "Booked then Cancelled" in one request is no use to
    # anyone, and would apply half of itself if the second failed.
    if len(operations) != 1:
        raise ApiError(400, ONE_OPERATION)
    actor = Actor.for_api_client(request.auth.application_id)
    slot = lookups.own_time_slot(actor.holder, time_slot_id, parameter="timeSlotId")
    if operations[0].value == TimeSlotStatus.BOOKED:
        slot = services.time_slot_book(actor=actor, time_slot_id=slot.pk)
    else:
        slot = services.time_slot_release(actor=actor, time_slot_id=slot.pk)
    return time_slot_out(slot)
