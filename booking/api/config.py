"""Step 1 of the seed: what can be booked, by whom, with whom, where."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router

from booking.api import lookups
from booking.api.auth import read_or_person
from booking.api.docs import described, responses
from booking.api.schemas import (
    CustomerTypeOut,
    EmployeeOut,
    InformationQuestionOut,
    LocationOut,
    MeetingTopicOut,
    RoomOut,
    TopicsQuery,
    meeting_types_out,
    translations,
)
from config_data.models import CustomerCategory, Employee, Location, MeetingTopic, Room
from config_data.translation import ShownText

router = Router(tags=["1. Configuration"])


def location_out(location: Location) -> LocationOut:
    return LocationOut(
        id=str(location.pk),
        name=location.name,
        time_zone=location.timezone,
        address=location.address_lines(),
        name_i18n_list=translations(location, "name"),
    )


@router.get(
    "/bookme/meeting-topics",
    auth=read_or_person,
    by_alias=True,
    response=responses({200: list[MeetingTopicOut]}, 400, 404),
    openapi_extra=described(400, 404),
    summary="List meeting topics (themes)",
)
def meeting_topics(request: HttpRequest, query: Query[TopicsQuery]) -> list[MeetingTopicOut]:
    """The active themes; `isCustomer=true` keeps those customers may book themselves.

    The `id` is the `theme` of the availability search and the `themeId` of a meeting.
    """
    topics = MeetingTopic.objects.active()
    if query.is_customer:
        topics = topics.customer_bookable()
    if query.customer_category_id is not None:
        topics = topics.for_category(
            lookups.category(query.customer_category_id, parameter="customerCategoryId")
        )
    topics = topics.order_by(ShownText("name").asc()).prefetch_related(
        Prefetch("customer_categories", CustomerCategory.objects.only("pk")),
        Prefetch("employees", Employee.objects.bookable().only("pk")),
        "information_questions",
    )
    return [
        MeetingTopicOut(
            id=str(topic.pk),
            name=topic.name,
            description=topic.description,
            duration=topic.duration,
            meeting_types=meeting_types_out(topic.meeting_types),
            customer_category_ids=[str(c.pk) for c in topic.customer_categories.all()],
            employee_ids=[str(e.pk) for e in topic.employees.all()],
            is_customer_bookable=topic.customer_bookable,
            requires_room=topic.needs_room_for_physical,
            capacity=topic.capacity,
            information_questions=[
                InformationQuestionOut(
                    id=str(q.pk),
                    text=q.text,
                    help_text=q.help_text,
                    required=q.required,
                    text_i18n_list=translations(q, "text"),
                )
                for q in topic.information_questions.all()
            ],
            name_i18n_list=translations(topic, "name"),
            description_i18n_list=translations(topic, "description"),
        )
        for topic in topics
    ]


@router.get(
    "/config/customer-types",
    auth=read_or_person,
    by_alias=True,
    response=responses({200: list[CustomerTypeOut]}),
    openapi_extra=described(),
    summary="List customer types (categories)",
)
def customer_types(request: HttpRequest) -> list[CustomerTypeOut]:
    """The `id` is the `customerCategoryId` of searches and meetings."""
    return [
        CustomerTypeOut(
            id=str(c.pk),
            name=c.name,
            description=c.description,
            name_i18n_list=translations(c, "name"),
            description_i18n_list=translations(c, "description"),
        )
        for c in CustomerCategory.objects.order_by(ShownText("name").asc())
    ]


@router.get(
    "/config/employees",
    auth=read_or_person,
    by_alias=True,
    response=responses({200: list[EmployeeOut]}),
    openapi_extra=described(),
    summary="List bookable employees",
)
def employees(request: HttpRequest) -> list[EmployeeOut]:
    """The `id` is an `explicitEmployeeIds` value and a time slot's `employeeId`."""
    rows = (
        Employee.objects.bookable()
        .select_related("location")
        .prefetch_related(Prefetch("topics", MeetingTopic.objects.active().only("pk")))
        .order_by("name")
    )
    return [
        EmployeeOut(
            id=str(e.pk),
            name=e.name,
            title=e.title,
            location=location_out(e.location),
            time_zone=e.effective_timezone,
            meeting_types=meeting_types_out(e.meeting_types),
            theme_ids=[str(t.pk) for t in e.topics.all()],
        )
        for e in rows
    ]


@router.get(
    "/config/rooms",
    auth=read_or_person,
    by_alias=True,
    response=responses({200: list[RoomOut]}),
    openapi_extra=described(),
    summary="List rooms",
)
def rooms(request: HttpRequest) -> list[RoomOut]:
    """The `id` is a `specificRooms` value and a time slot's `roomId`."""
    rows = (
        Room.objects.filter(active=True)
        .select_related("location")
        .prefetch_related("features")
        .order_by(ShownText("name", prefix="location__").asc(), ShownText("name").asc())
    )
    return [
        RoomOut(
            id=str(r.pk),
            name=r.name,
            location=location_out(r.location),
            time_zone=r.effective_timezone,
            capacity=r.capacity,
            features=[f.name for f in r.features.all()],
            address=r.address_lines(),
            name_i18n_list=translations(r, "name"),
        )
        for r in rows
    ]
