"""Meeting transitions: create on a Booked slot, move (reschedule), cancel."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from booking import catalog
from booking.actors import Actor, ActorKind
from booking.errors import (
    BookingError,
    Conflict,
    HoldExpired,
    InvalidRequest,
    InvalidState,
    LimitReached,
    NotFound,
    SlotUnavailable,
    TooLate,
)
from booking.models import (
    ANSWER_MAX_LENGTH,
    BookedBy,
    BookingEventKind,
    Customer,
    Meeting,
    MeetingAnswer,
    MeetingStatus,
    TimeSlot,
    TimeSlotStatus,
    known_zone,
)
from booking.search import WantedSlot, minutes_text, offered_slot, topic_allows_category
from booking.services.events import record_event
from booking.services.profiles import check_profile_allows, checked_profile_fields, profile_texts
from booking.services.time_slots import (
    book_locked,
    expire_stale_holds,
    is_deadlock,
    lock_holder,
    locked_slot,
)
from config_data.models import BookingProfile, CustomerCategory, MeetingTopic, MeetingType, Room


def meeting_slot_ready(slot: TimeSlot, *, now: datetime) -> None:
    """The slot's state allows a meeting: Booked, not released for waiting too long,
    and none on it yet (409 otherwise).

    Checked before anything about the meeting itself; meeting_create repeats it under lock.
    """
    if slot.status != TimeSlotStatus.BOOKED:
        raise InvalidState("slot_not_booked", field="time_slot")
    if slot.is_stale(now):
        raise HoldExpired("booked_slot_released", field="time_slot")
    if Meeting.objects.filter(time_slot=slot).exists():
        raise InvalidState("slot_has_meeting", field="time_slot")


def _check_meeting_fits_slot(
    slot: TimeSlot,
    *,
    topic: MeetingTopic,
    meeting_type: str,
    room: Room | None,
    profile: BookingProfile | None = None,
) -> None:
    """A meeting is what its slot was held for: the topic, its length and meeting type,
    a type the slot's employee offers, the slot's room. Each mismatch names its field.
    Through a profile, the length may be any of the profile's durations."""
    _check_topic_fits_slot(slot, topic=topic, meeting_type=meeting_type, profile=profile)
    _check_people_and_room_fit_slot(slot, topic=topic, meeting_type=meeting_type, room=room)


def _check_topic_fits_slot(
    slot: TimeSlot, *, topic: MeetingTopic, meeting_type: str, profile: BookingProfile | None
) -> None:
    """The topic the slot was held for, its length, and a meeting type both allow."""
    if slot.topic_id is not None and slot.topic_id != topic.pk:
        held = MeetingTopic.objects.filter(pk=slot.topic_id).values_list("name", flat=True).first()
        raise InvalidRequest("held_for_other_theme", field="topic", held=held, theme=topic.name)
    length = slot.end - slot.start
    if profile is not None:
        check_profile_allows(
            profile,
            topic=topic,
            minutes=int(length / timedelta(minutes=1)),
            employee_id=slot.employee_id,
            start=slot.start,
        )
    elif length != timedelta(minutes=topic.duration):
        raise InvalidRequest(
            "theme_length_mismatch",
            field="topic",
            theme=topic.name,
            theme_length=minutes_text(timedelta(minutes=topic.duration)),
            slot_length=minutes_text(length),
        )
    if meeting_type not in topic.meeting_types:
        raise InvalidRequest(
            "topic_meeting_type", field="meeting_type", topic=topic, meeting_type=meeting_type
        )
    if slot.meeting_type and slot.meeting_type != meeting_type:
        raise InvalidRequest(
            "held_for_other_type",
            field="meeting_type",
            held=slot.meeting_type,
            meeting_type=meeting_type,
        )


def _check_people_and_room_fit_slot(
    slot: TimeSlot, *, topic: MeetingTopic, meeting_type: str, room: Room | None
) -> None:
    """The slot's employee holds the topic and the meeting type; a room is the slot's own
    and only for a meeting in person."""
    if slot.employee_id is not None:
        config = catalog.current()
        employee = config.employees.get(slot.employee_id)
        if employee is None or not config.topic_has_employee(topic, employee.pk):
            raise InvalidRequest("employee_lacks_topic", field="employee", topic=topic)
        if meeting_type not in employee.meeting_types:
            raise InvalidRequest(
                "employee_lacks_type",
                field="meeting_type",
                employee=employee,
                meeting_type=meeting_type,
            )
    elif meeting_type != MeetingType.PHYSICAL:
        raise InvalidRequest("room_slot_physical_only", field="meeting_type")
    if room is not None:
        if slot.room_id is not None and room.pk != slot.room_id:
            raise InvalidRequest("room_not_the_slots", field="room")
        if meeting_type != MeetingType.PHYSICAL:
            raise InvalidRequest("room_takes_physical_only", field="room")


def _take_slot_for_topic(
    slot: TimeSlot, *, topic: MeetingTopic, meeting_type: str, room: Room | None, now: datetime
) -> None:
    """A slot held without a theme (or without a room) becomes the topic's.

    The engine re-checks exactly this time as if it had been reserved with the theme
    (grid, notice, horizon, buffers, a free room), ignoring the slot itself; then the
    slot takes the topic, its buffers and the room. The exclusion constraints
    (PostgreSQL) or the write lock (SQLite) keep the widened slot from overlapping another.
    """
    if topic.capacity > 1:
        raise InvalidRequest("group_theme_needs_hold", field="topic", theme=topic.name)
    try:
        wanted = WantedSlot(
            start=slot.start,
            end=slot.end,
            employee_id=slot.employee_id,
            room_id=room.pk if room is not None else slot.room_id,
            topic=topic,
            meeting_type=meeting_type,
        )
        offered = offered_slot(wanted, now=now, ignore_session_key=slot.session_key)
    except SlotUnavailable as exc:
        raise SlotUnavailable(
            "slot_does_not_fit_theme", field="time_slot", theme=topic.name, reason=exc
        ) from None
    slot.topic = topic
    slot.room_id = offered.room_id
    slot.meeting_type = meeting_type
    slot.blocked_start = slot.start - timedelta(minutes=topic.buffer_before)
    slot.blocked_end = slot.end + timedelta(minutes=topic.buffer_after)
    fields = ["topic", "room", "meeting_type", "blocked_start", "blocked_end", "updated_at"]
    try:
        with transaction.atomic():
            # The widened range and the added room may hold stale slots the engine saw as free.
            expire_stale_holds(now=now, employee_id=slot.employee_id, room_id=slot.room_id)
            slot.save(update_fields=fields)
    except IntegrityError:
        raise SlotUnavailable("slot_taken", field="time_slot") from None
    except OperationalError as exc:
        if not is_deadlock(exc):  # lost a race on PostgreSQL, as in time_slot_reserve
            raise
        raise SlotUnavailable("slot_taken", field="time_slot") from None


def _check_meetings_without_email_cap(actor: Actor, customer: Customer, now: datetime) -> None:
    """A meeting books its slot for good; one whose customer left no email tells nobody.
    The actor's cap on upcoming ones keeps a client from filling the calendar with them."""
    cap = actor.max_meetings_without_email
    if cap is None or customer.email:
        return
    lock_holder(actor.holder)  # count and insert in turn: concurrent requests stay under it
    counted = Meeting.objects.confirmed().filter(
        owner=actor.holder, customer__email="", time_slot__start__gt=now
    )
    if counted.count() >= cap:
        # A place frees when the earliest of them begins (or the client cancels one).
        first = counted.order_by("time_slot__start").values_list("time_slot__start", flat=True)[0]
        raise LimitReached(
            "meeting_without_email_limit",
            count=cap,
            retry_after=max(math.ceil((first - now).total_seconds()), 1),
        )


def check_customer_free(
    customer: Customer,
    *,
    start: datetime,
    end: datetime,
    moving: int | None = None,
    time_slot_id: int | None = None,
) -> None:
    """One customer (one email, in any case) cannot have two confirmed meetings that overlap:
    two tabs confirming different employees' times ("any employee") would otherwise both win.

    Check and insert must not interleave. The customer's row lock serialises bookings of one
    record (an account, an API reference); two tabs of a visitor without an account create
    two records with one email, so on PostgreSQL a transaction-scoped advisory lock on the
    email makes those take turns too. SQLite's IMMEDIATE transactions already serialise.
    """
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()
    email = customer.email.strip().lower()
    if email and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"customer:{email}"])
    same_person = Meeting.objects.filter(customer__email__iexact=email) if email else None
    if same_person is None:
        same_person = Meeting.objects.filter(customer=customer)
    overlapping = same_person.confirmed().during(start, end)
    if moving is not None:
        overlapping = overlapping.exclude(pk=moving)
    if time_slot_id is not None:
        # A second submit of the same hold is not a second meeting: the caller answers it
        # with the meeting the first submit made.
        overlapping = overlapping.exclude(time_slot_id=time_slot_id)
    if overlapping.exists():
        raise Conflict("customer_overlap", field="start")


def _checked_room_features(asked: Collection[int] | None, *, meeting_type: str) -> frozenset[int]:
    """Room features the customer asked for: each one customers may ask for, and only for
    an in-person meeting (the only kind with a room)."""
    features = frozenset(asked or ())
    if not features:
        return features
    if meeting_type != MeetingType.PHYSICAL:
        raise InvalidRequest("room_takes_physical_only", field="requested_room_features")
    known = catalog.current().features
    for pk in sorted(features):
        feature = known.get(pk)
        if feature is None or not feature.customer_requestable:
            raise InvalidRequest(
                "room_feature_not_requestable", field="requested_room_features", value=pk
            )
    return features


def _check_room_has(slot: TimeSlot, features: frozenset[int]) -> None:
    """The slot's room has every feature the customer asked for (room_lacks_features)."""
    if not features:
        return
    config = catalog.current()
    if slot.room_id is None or not config.room_has_features(slot.room_id, features):
        have = config.room_features.get(slot.room_id, frozenset()) if slot.room_id else frozenset()
        missing = sorted(str(config.features[pk]) for pk in features - have)
        raise InvalidRequest("room_lacks_features", field="room", features=", ".join(missing))


def _checked_answers(topic: MeetingTopic, answers: Mapping[int, str] | None) -> tuple[list, dict]:
    given = {k: (v or "").strip() for k, v in (answers or {}).items()}
    questions = catalog.current().topic_questions(topic)
    known = {q.pk for q in questions}
    for question_id in given:
        if question_id not in known:
            raise InvalidRequest("unknown_question", field=f"answers.{question_id}")
    for question in questions:
        if question.required and not given.get(question.pk):
            raise InvalidRequest(
                "answer_required", field=f"answers.{question.pk}", question=question.text
            )
        if len(given.get(question.pk, "")) > ANSWER_MAX_LENGTH:
            raise InvalidRequest(
                "answer_too_long", field=f"answers.{question.pk}", limit=ANSWER_MAX_LENGTH
            )
    return questions, given


@transaction.atomic
def meeting_create(  # noqa: PLR0913 - a meeting's own fields, each optional but the first
    *,
    actor: Actor,
    time_slot_id: int,
    topic: MeetingTopic,
    customer: Customer,
    meeting_type: str,
    customer_category: CustomerCategory | None = None,
    room: Room | None = None,
    description: str = "",
    answers: Mapping[int, str] | None = None,
    booked_by: str = BookedBy.CUSTOMER,
    language: str = "en",
    customer_timezone: str = "",
    now: datetime | None = None,
    profile: BookingProfile | None = None,
    profile_fields: Mapping[str, object] | None = None,
    requested_room_features: Collection[int] | None = None,
) -> Meeting:
    """A meeting on a Booked slot of the actor's, fitting what the slot was held for.

    `room` is for a slot held without one (e.g. the API's theme-less reserve body): an
    in-person meeting then takes that room, if it is free. `customer_timezone` is the
    IANA zone the customer booked in (Meeting.customer_zone). `profile`: booked through
    that profile's page, with `profile_fields` its {{variables}} as the customer gave them.
    `requested_room_features`: feature ids the customer asked of the room (the options
    step); the slot's room must have them, and a move keeps them.
    """
    now = now or timezone.now()
    slot = locked_slot(time_slot_id, actor=actor)
    meeting_slot_ready(slot, now=now)
    _check_meeting_fits_slot(
        slot, topic=topic, meeting_type=meeting_type, room=room, profile=profile
    )
    fields = checked_profile_fields(profile, profile_fields)
    features = _checked_room_features(requested_room_features, meeting_type=meeting_type)
    if slot.topic_id is None or (room is not None and slot.room_id is None):
        _take_slot_for_topic(slot, topic=topic, meeting_type=meeting_type, room=room, now=now)
    if meeting_type == MeetingType.PHYSICAL and topic.requires_room and slot.room_id is None:
        raise InvalidRequest("room_required", field="room")
    _check_room_has(slot, features)
    if not topic_allows_category(topic, customer_category.pk if customer_category else None):
        raise InvalidRequest("category_excluded", field="customer_category")
    if booked_by not in BookedBy.values:
        raise InvalidRequest("unknown_value", field="booked_by", value=booked_by)
    if customer_timezone and known_zone(customer_timezone) is None:
        raise InvalidRequest("unknown_value", field="customer_timezone", value=customer_timezone)
    questions, given = _checked_answers(topic, answers)
    _check_meetings_without_email_cap(actor, customer, now)
    # Two tabs with "any employee", or an API client, must not book one person twice at once.
    check_customer_free(customer, start=slot.start, end=slot.end, time_slot_id=slot.pk)

    meeting = Meeting(
        time_slot=slot,
        topic=topic,
        customer_category=customer_category,
        meeting_type=meeting_type,
        customer=customer,
        description=description,
        booked_by=booked_by,
        owner=actor.holder,
        language=language,
        customer_timezone=customer_timezone,
        profile=profile,
        profile_fields=fields,
    )
    # Kept as sent: staff editing the profile later change no booked meeting.
    for name, text in profile_texts(profile, fields, reference=meeting.reference).items():
        setattr(meeting, name, text)
    # The slot (locked above), topic, customer and category are objects in hand: their
    # existence needs no query each; the foreign keys still guard them.
    meeting.full_clean(
        exclude=["time_slot", "topic", "customer", "customer_category", "profile"],
        validate_unique=False,
        validate_constraints=False,
    )
    meeting.save()
    if features:
        meeting.requested_room_features.set(features)
    # With its meeting the slot is booked for good: no longer waiting, never expiring.
    slot.expires_at = None
    slot.save(update_fields=["expires_at", "updated_at"])
    MeetingAnswer.objects.bulk_create(
        MeetingAnswer(meeting=meeting, question=q, question_text=q.text, answer=given.get(q.pk, ""))
        for q in questions
        if given.get(q.pk)
    )
    record_event(BookingEventKind.MEETING_CREATED, actor=actor, now=now, meeting=meeting)
    return meeting


def _locked_meeting(meeting_id: int) -> Meeting:
    try:
        return (
            Meeting.objects.select_for_update()
            .select_related("topic", "time_slot")
            .get(pk=meeting_id)
        )
    except Meeting.DoesNotExist:
        raise NotFound("meeting_not_found", field="meeting") from None


def change_refusal(meeting: Meeting, *, now: datetime) -> BookingError | None:
    """Why a customer may no longer change the meeting online (the error a change raises),
    or None. The pages show the same message before the customer even tries."""
    if meeting.status == MeetingStatus.CANCELLED:
        return InvalidState("meeting_was_cancelled", field="meeting")
    if meeting.changes_closed(now):
        return TooLate("too_late", field="meeting", hours=meeting.topic.change_cutoff)
    return None


def check_change_allowed(meeting: Meeting, *, actor: Actor, now: datetime) -> None:
    """Customers change their meetings online only until the topic's cut-off; API clients
    and staff are not held to it."""
    if actor.held_to_cutoff and meeting.changes_closed(now):
        raise TooLate("too_late", field="meeting", hours=meeting.topic.change_cutoff)


STAFF_KINDS = frozenset({ActorKind.EMPLOYEE, ActorKind.STAFF})


@transaction.atomic
def meeting_cancel(
    *, actor: Actor, meeting_id: int, now: datetime | None = None, reason: str = ""
) -> Meeting:
    """Cancel the meeting and free its time. Cancelling twice changes nothing.

    `reason` is staff's message to the customer (the cancellation email shows it)."""
    now = now or timezone.now()
    meeting = _locked_meeting(meeting_id)
    if meeting.status == MeetingStatus.CANCELLED:
        return meeting
    check_change_allowed(meeting, actor=actor, now=now)
    # A begun meeting is a fact for staff to record (booking.services.outcomes), not to
    # undo. Customers are held to their cut-off above; API clients and the system keep
    # their rules (they close meetings after the fact, e.g. tidying up).
    if actor.kind in STAFF_KINDS and now >= meeting.time_slot.start:
        raise InvalidState("meeting_begun_no_cancel", field="meeting")
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.cancel_reason = reason.strip()
    meeting.ical_sequence += 1
    meeting.save(
        update_fields=["status", "cancelled_at", "cancel_reason", "ical_sequence", "updated_at"]
    )
    TimeSlot.objects.filter(pk=meeting.time_slot_id).update(
        status=TimeSlotStatus.CANCELLED, updated_at=now
    )
    record_event(BookingEventKind.CANCELLED, actor=actor, now=now, meeting=meeting)
    return meeting


def _check_move_keeps(meeting: Meeting, new_slot: TimeSlot) -> None:
    """A move changes the time, not how the meeting was booked: its length and, in person,
    the room features the customer asked for."""
    length = meeting.time_slot.end - meeting.time_slot.start
    if new_slot.end - new_slot.start != length:
        raise InvalidRequest(
            "move_length_mismatch",
            field="time_slot",
            slot_length=minutes_text(new_slot.end - new_slot.start),
            meeting_length=minutes_text(length),
        )
    if meeting.meeting_type == MeetingType.PHYSICAL:
        _check_room_has(new_slot, requested_features(meeting))


def requested_features(meeting: Meeting) -> frozenset[int]:
    """The ids of the room features the customer asked for when booking."""
    return frozenset(meeting.requested_room_features.values_list("pk", flat=True))


@transaction.atomic
def meeting_reschedule(
    *,
    actor: Actor,
    meeting_id: int,
    new_time_slot_id: int,
    now: datetime | None = None,
    customer_timezone: str | None = None,
) -> Meeting:
    """Move the meeting to a slot the actor holds: the new time is booked first, then the
    old one freed, in one transaction, so the customer never ends up with neither.
    `customer_timezone`: the zone the customer picked the new time in, stored so that
    every page and email shows it as the picker did; None keeps the booked one.
    The new time lasts as long as the meeting (a profile's meeting may differ from its
    topic's length), and its room has the features the customer asked for.
    """
    if customer_timezone and known_zone(customer_timezone) is None:
        raise InvalidRequest("unknown_value", field="customer_timezone", value=customer_timezone)
    now = now or timezone.now()
    meeting = _locked_meeting(meeting_id)
    if meeting.status != MeetingStatus.CONFIRMED:
        raise InvalidState("meeting_cancelled", field="meeting")
    check_change_allowed(meeting, actor=actor, now=now)
    new_slot = locked_slot(new_time_slot_id, actor=actor)
    if new_slot.pk != meeting.time_slot_id:
        _check_move_keeps(meeting, new_slot)
        if meeting.profile is not None and actor.is_customer:
            # The customer moves within what the profile's page offers; staff moving it for
            # an absence may give it to a colleague outside the profile.
            check_profile_allows(
                meeting.profile,
                topic=meeting.topic,
                minutes=int((new_slot.end - new_slot.start) / timedelta(minutes=1)),
                employee_id=new_slot.employee_id,
                start=new_slot.start,
            )
    book_locked(new_slot, actor=actor, now=now)
    if new_slot.pk == meeting.time_slot_id:
        return meeting
    if Meeting.objects.filter(time_slot=new_slot).exists():
        raise InvalidState("slot_has_meeting", field="time_slot")
    if new_slot.topic_id not in (None, meeting.topic_id):
        raise InvalidRequest("held_for_other_topic", field="time_slot")
    check_customer_free(meeting.customer, start=new_slot.start, end=new_slot.end, moving=meeting.pk)
    old_slot_id, previous_start = meeting.time_slot_id, meeting.time_slot.start
    meeting.time_slot = new_slot
    meeting.ical_sequence += 1
    fields = ["time_slot", "ical_sequence", "updated_at"]
    if customer_timezone is not None:
        meeting.customer_timezone = customer_timezone
        fields.append("customer_timezone")
    meeting.save(update_fields=fields)
    new_slot.expires_at = None  # it has its meeting now: booked for good
    new_slot.save(update_fields=["expires_at", "updated_at"])
    TimeSlot.objects.filter(pk=old_slot_id).update(status=TimeSlotStatus.CANCELLED, updated_at=now)
    record_event(
        BookingEventKind.MOVED,
        actor=actor,
        now=now,
        meeting=meeting,
        data={"previous_time_slot": old_slot_id, "previous_start": previous_start.isoformat()},
    )
    return meeting
