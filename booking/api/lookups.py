"""Every object the API hands out or accepts, looked up in one place.

Unknown ids, inactive configuration and another client's time slots or meetings
(or, for a partner app acting for a person, another person's meetings) all answer 404,
so that nothing about other clients or people leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from modeltranslation.utils import build_localized_fieldname

from booking import catalog
from booking.api import people
from booking.api.auth import ApiCaller
from booking.api.errors import ApiError
from booking.api.schemas import to_pk
from booking.models import Customer, Meeting, TimeSlot
from config_data.models import CustomerCategory, Employee, MeetingTopic, Room, RoomFeature

M = TypeVar("M", bound=Model)


def _get(queryset: QuerySet[M], value: str, *, parameter: str, what: str) -> M:
    pk = to_pk(value)
    found = queryset.filter(pk=pk).first() if pk is not None else None
    return _found(found, value, parameter=parameter, what=what)


def _found(found: M | None, value: str, *, parameter: str, what: str) -> M:
    if found is None:
        raise ApiError(404, f"{what} {value!r} not found.", parameter=parameter)
    return found


# Configuration comes from the kept catalog (booking/catalog.py): no query but its token's.
# Its objects are shared between requests; callers only read them.


def topic(value: str, *, parameter: str) -> MeetingTopic:
    found = catalog.current().active_topic(to_pk(value))
    return _found(found, value, parameter=parameter, what="Theme")


def category(value: str, *, parameter: str) -> CustomerCategory:
    found = catalog.current().categories.get(to_pk(value) or 0)
    return _found(found, value, parameter=parameter, what="Customer category")


def employee(value: str, *, parameter: str) -> Employee:
    found = catalog.current().employees.get(to_pk(value) or 0)
    return _found(
        found if found and found.active else None, value, parameter=parameter, what="Employee"
    )


def room(value: str, *, parameter: str) -> Room:
    found = catalog.current().rooms.get(to_pk(value) or 0)
    return _found(
        found if found and found.active else None, value, parameter=parameter, what="Room"
    )


def _existing_pks(
    known: dict[int, Employee] | dict[int, Room],
    values: Sequence[str],
    *,
    parameter: str,
    what: str,
) -> list[int]:
    """All of these ids, or a 404 naming the first that is unknown or not active."""
    found = set()
    for value in values:
        pk = to_pk(value)
        item = known.get(pk or 0)
        if item is None or not item.active:
            raise ApiError(404, f"{what} {value!r} not found.", parameter=parameter)
        found.add(item.pk)
    return sorted(found)


def employee_pks(values: Sequence[str], *, parameter: str) -> list[int]:
    return _existing_pks(catalog.current().employees, values, parameter=parameter, what="Employee")


def room_pks(values: Sequence[str], *, parameter: str) -> list[int]:
    return _existing_pks(catalog.current().rooms, values, parameter=parameter, what="Room")


def room_feature_pks(values: Sequence[str], *, parameter: str) -> frozenset[int]:
    """Room features by id or by name in any of the site's languages (as /config/rooms
    shows them, whatever Accept-Language was), or a 400 naming the first unknown one."""
    features = catalog.current().features
    found = set()
    for value in values:
        feature = features.get(to_pk(value) or 0) or _feature_named(features, value)
        if feature is None:
            raise ApiError(
                400,
                f"Room feature {value!r} not found.",
                parameter=parameter,
                code="unknown_room_feature",
            )
        found.add(feature.pk)
    return frozenset(found)


def _feature_named(features: dict[int, RoomFeature], value: str) -> RoomFeature | None:
    wanted = value.strip().casefold()
    columns = [build_localized_fieldname("name", code) for code, _name in settings.LANGUAGES]
    for feature in features.values():
        if any((getattr(feature, column) or "").casefold() == wanted for column in columns):
            return feature
    return None


def own_time_slot(holder: str, value: str, *, parameter: str) -> TimeSlot:
    return _get(TimeSlot.objects.held_by(holder), value, parameter=parameter, what="Time slot")


def own_meeting(holder: str, value: str, *, parameter: str) -> Meeting:
    meetings = Meeting.objects.owned_by(holder).with_details().prefetch_related("answers")
    return _get(meetings, value, parameter=parameter, what="Meeting")


def caller_meeting(caller: ApiCaller, value: str, *, parameter: str) -> Meeting:
    """The meeting as this caller may read it: a client's own, or a person's own
    (booking.api.people); anyone else's answers 404."""
    if caller.user_id is not None:
        return people.meeting(caller.user_id, value, parameter=parameter)
    return own_meeting(caller.holder, value, parameter=parameter)


def must_match(
    given: str | None, actual: int | None, model: type[Model], *, parameter: str
) -> None:
    """employeeId/roomId are optional, but when sent they must be the time slot's own:
    404 for an id that names nothing, 400 for another employee or room."""
    if given is None or to_pk(given) == actual:
        return
    pk = to_pk(given)
    if pk is None or not model._default_manager.filter(pk=pk).exists():
        what = str(model._meta.verbose_name).capitalize()
        raise ApiError(404, f"{what} {given!r} not found.", parameter=parameter)
    raise ApiError(400, f"{parameter} does not match the time slot's.", parameter=parameter)


def external_customer_id(caller: ApiCaller, customer_id: str | None) -> str:
    """Customer ids are the client's own: two clients may both have a customer "42"."""
    return f"{caller.application_id}:{customer_id}" if customer_id else ""


def client_customer_id(customer: Customer) -> str | None:
    """The customerId the client sent, without the client's prefix."""
    return customer.client_reference or None
