"""The API's JSON: the seed's camelCase names, ids as strings, times in UTC ("Z")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Model
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)
from pydantic.alias_generators import to_camel

from booking.api.errors import API_CODES, ERROR_CODES
from booking.models import (
    ANSWER_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    LONGEST_BLOCK,
    Customer,
    TimeSlot,
)
from booking.validators import has_line_break_or_control
from config_data.models import MeetingTopic, RoomFeature
from config_data.profile_text import FIELD_MAX_LENGTH, MAX_FIELDS

# Times outside this range are surely a mistake, and far ones overflow date arithmetic.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_ID = 2**63 - 1
# Longest list in a query (ids, meeting types): a search names a few, never thousands.
MAX_LIST_ITEMS = 100
# An ISO 8601 instant with microseconds and an offset fits easily.
MAX_INSTANT_LENGTH = 40


def stored_length(model: type[Model], field: str) -> int:
    """The max_length of the model field a value is stored in: the schema's maxLength."""
    length = getattr(model._meta.get_field(field), "max_length", None)
    if length is None:
        raise TypeError(f"{model.__name__}.{field} has no max_length")
    return length


# A customerId is stored as "<application id>:<theirs>" in Customer.external_id.
CUSTOMER_ID_MAX_LENGTH = stored_length(Customer, "external_id") - len(f"{MAX_ID}:")


class MeetingTypeEnum(StrEnum):
    physical = "physical"
    online = "online"
    phone = "phone"


# The stored choices as the API names them (TimeSlotStatus, MeetingStatus, BookedBy; a test
# keeps each equal to its model's values, so a stored value always converts).
TimeSlotStatusName = Literal["Reserved", "Booked", "Cancelled", "Expired"]
MeetingStatusName = Literal["confirmed", "cancelled"]
BookedByName = Literal["customer", "employee"]
MeetingOutcomeName = Literal["completed", "no_show"]


def meeting_types_out(types: Iterable[str]) -> list[MeetingTypeEnum]:
    """Stored meeting types as the API lists them, sorted."""
    return sorted(MeetingTypeEnum(t) for t in types)


def _int_to_str(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _split_commas(value: Any) -> Any:
    """explicitEmployeeIds=1,2&explicitEmployeeIds=3 -> ["1", "2", "3"]."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        return [part.strip() for item in value for part in str(item).split(",") if part.strip()]
    return value


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text (SQLite stores it): refuse it for every database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _single_line(value: str) -> str:
    if has_line_break_or_control(value):
        raise ValueError("must be one line without control characters")
    return value


def _short_instant(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) > MAX_INSTANT_LENGTH:
            raise ValueError(f"must be at most {MAX_INSTANT_LENGTH} characters")
        _no_nul(value)
    return value


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value <= LATEST:
        raise ValueError("must lie between the years 2000 and 2100")
    return value


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError("not a valid email address") from None
    return value


def to_pk(value: str | None) -> int | None:
    """A database id from an API id, or None when it cannot name anything."""
    if value is None or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


# Every input string is Text (or an Id, an enum, a literal): NUL refused, length bounded.
Text = Annotated[str, AfterValidator(_no_nul)]
Id = Annotated[
    str,
    BeforeValidator(_int_to_str),
    Field(min_length=1, max_length=40, examples=["12345"]),
    AfterValidator(_no_nul),
]
# A room feature by id or by name (in any of the site's languages).
RoomFeatureRef = Annotated[
    str,
    BeforeValidator(_int_to_str),
    Field(min_length=1, max_length=stored_length(RoomFeature, "name"), examples=["Screen"]),
    AfterValidator(_no_nul),
]
InstantIn = Annotated[
    AwareDatetime,
    BeforeValidator(_short_instant),
    AfterValidator(_in_range),
    WithJsonSchema({"type": "string", "format": "date-time", "maxLength": MAX_INSTANT_LENGTH}),
]
Instant = Annotated[datetime, AfterValidator(_utc)]
Answer = Annotated[Text, Field(max_length=ANSWER_MAX_LENGTH)]
# A booking profile's {{variable}}: its name (at most 40 characters) and the customer's value.
ProfileFieldName = Annotated[str, Field(max_length=40, examples=["company"])]
ProfileFieldValue = Annotated[Text, Field(max_length=FIELD_MAX_LENGTH)]


# Plain pydantic models, not ninja.Schema: its per-object Django attribute resolution
# made serialising a few hundred slots cost more than finding them.
class InSchema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="ignore")


class OutSchema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ErrorOut(OutSchema):
    message: str = Field(examples=["The time slot must be Booked before a meeting is created."])
    parameter: str | None = Field(
        description="The request parameter at fault, or null.", examples=["timeSlotId"]
    )
    code: str = Field(
        description="What went wrong, stable across releases and languages: branch on this, "
        "not on `message`. The domain's codes (e.g. slot_taken, hold_expired) and the API's "
        f"own ({', '.join(API_CODES)}).",
        examples=["slot_not_booked"],
        json_schema_extra={"enum": list(ERROR_CODES)},
    )


# --- configuration ---------------------------------------------------------------------


class TopicsQuery(InSchema):
    is_customer: bool = Field(
        description="true: only topics customers may book themselves; false: every active topic."
    )
    customer_category_id: Id | None = Field(
        None, description="Only topics open to this customer category."
    )


class TranslationOut(OutSchema):
    """One language's text: seed 004's publicNameI18nList entries."""

    language: str = Field(examples=["de"])
    value: str = Field(examples=["Hypothekenberatung"])


IN_EVERY_LANGUAGE = (
    "The same text in every language it is written in (the plain field is in the "
    "language of Accept-Language, else English)."
)


def in_every_language(name: str) -> Any:
    """A list of translations, named as seed 004's publicNameI18nList ("I18n", not the
    "I18N" that camelCase would make of "i18n")."""
    return Field(alias=f"{name}I18nList", description=IN_EVERY_LANGUAGE)


def translations(obj: Model, field: str) -> list[TranslationOut]:
    """The languages `field` is filled in, in the site's order (no fallbacks)."""
    found = []
    for code, _label in settings.LANGUAGES:
        value = getattr(obj, f"{field}_{code}", None)
        if value:
            found.append(TranslationOut(language=code, value=value))
    return found


class InformationQuestionOut(OutSchema):
    id: str
    text: str
    help_text: str
    required: bool
    text_i18n_list: list[TranslationOut] = in_every_language("text")


class MeetingTopicOut(OutSchema):
    id: str = Field(examples=["111"])
    name: str = Field(examples=["Mortgage advice"])
    description: str
    duration: int = Field(description="Minutes.", examples=[60])
    meeting_types: list[MeetingTypeEnum]
    customer_category_ids: list[str] = Field(description="Empty: open to every category.")
    employee_ids: list[str] = Field(description="The employees who hold this topic.")
    is_customer_bookable: bool
    requires_room: bool = Field(description="An in-person meeting needs a room.")
    capacity: int = Field(description="Customers per slot (1: a private meeting).")
    information_questions: list[InformationQuestionOut]
    name_i18n_list: list[TranslationOut] = in_every_language("name")
    description_i18n_list: list[TranslationOut] = in_every_language("description")


class CustomerTypeOut(OutSchema):
    id: str = Field(examples=["123"])
    name: str = Field(examples=["Private"])
    description: str
    name_i18n_list: list[TranslationOut] = in_every_language("name")
    description_i18n_list: list[TranslationOut] = in_every_language("description")


class LocationOut(OutSchema):
    id: str
    name: str
    time_zone: str = Field(examples=["Europe/Copenhagen"])
    address: list[str]
    name_i18n_list: list[TranslationOut] = in_every_language("name")


class EmployeeOut(OutSchema):
    id: str = Field(examples=["333"])
    name: str
    title: str
    location: LocationOut
    time_zone: str
    meeting_types: list[MeetingTypeEnum]
    theme_ids: list[str]


class RoomOut(OutSchema):
    id: str = Field(examples=["222"])
    name: str
    location: LocationOut
    time_zone: str = Field(
        description="The room's own zone, else its location's: an in-person meeting's times "
        "are shown in it.",
        examples=["Europe/Copenhagen"],
    )
    capacity: int
    features: list[str]
    address: list[str]
    name_i18n_list: list[TranslationOut] = in_every_language("name")


# --- time slots ------------------------------------------------------------------------


class AvailableQuery(InSchema):
    require_employee_participation: bool = Field(
        description="true: slots with an employee; false: room-only slots (no employee)."
    )
    explicit_employee_ids: list[Id] | None = Field(
        None,
        max_length=MAX_LIST_ITEMS,
        description="Only these employees; repeat the parameter or separate with commas.",
    )
    start_date: InstantIn | None = Field(
        None,
        description="Start of the search, ISO 8601 with an offset. Default: now.",
        examples=["2026-06-02T00:00:00Z"],
    )
    end_date: InstantIn | None = Field(
        None,
        description="End of the search. Default: startDate + 7 days; at most "
        "BOOKME_MAX_SEARCH_DAYS (31) days after startDate.",
        examples=["2026-06-09T00:00:00Z"],
    )
    theme: Id | None = Field(None, description="A meeting topic id (its rules apply).")
    customer_category_id: Id | None = None
    meeting_types: list[MeetingTypeEnum] | None = Field(
        None,
        max_length=MAX_LIST_ITEMS,
        description="physical, online, phone; repeat the parameter or separate with commas.",
    )
    require_room: bool = Field(False, description="Only slots that come with a free room.")
    specific_rooms: list[Id] | None = Field(
        None, max_length=MAX_LIST_ITEMS, description="Only these rooms."
    )
    meeting_duration: int | None = Field(
        None,
        ge=1,
        le=LONGEST_BLOCK // timedelta(minutes=1),
        description="Minutes; default: the topic's duration (or 60).",
    )
    required_room_features: list[RoomFeatureRef] | None = Field(
        None,
        max_length=MAX_LIST_ITEMS,
        description="BookMe extension: an in-person slot's room must have all of these room "
        "features (ids or names, as /config/rooms lists them), besides the theme's own; "
        "repeat the parameter or separate with commas.",
    )

    # Plain list annotations, so that ninja reads repeated parameters; commas split here.
    _split = field_validator(
        "explicit_employee_ids",
        "meeting_types",
        "specific_rooms",
        "required_room_features",
        mode="before",
    )(_split_commas)


class AvailableSlotOut(OutSchema):
    start_date: Instant = Field(examples=["2026-06-02T08:00:00Z"])
    end_date: Instant = Field(examples=["2026-06-02T09:00:00Z"])
    employee_id: str | None = Field(examples=["333"])
    room_id: str | None = Field(examples=["222"])
    meeting_types: list[MeetingTypeEnum]
    seats_left: int = Field(description="Places left in a group session; 1 for a private meeting.")


class TimeSlotIn(InSchema):
    start_date: InstantIn = Field(examples=["2026-06-02T08:00:00Z"])
    end_date: InstantIn = Field(examples=["2026-06-02T09:00:00Z"])
    status: Literal["Reserved"] = Field("Reserved", description='Always "Reserved".')
    employee_id: Id | None = Field(None, description="Null only for a room-only slot.")
    room_id: Id | None = None


class ReserveIn(InSchema):
    time_slot: TimeSlotIn
    token: Text = Field(
        min_length=1,
        max_length=stored_length(TimeSlot, "token"),
        description="Your idempotency key: the same token again returns the same reservation.",
        examples=["reservation-token"],
    )
    theme_id: Id | None = Field(
        None,
        description="BookMe extension: hold the slot for this topic (its buffers, step and "
        "rules apply). Without it the interval only has to be free within working hours.",
    )
    meeting_type: MeetingTypeEnum | None = Field(
        None, description="BookMe extension: the slot must allow this meeting type."
    )
    required_room_features: list[RoomFeatureRef] | None = Field(
        None,
        max_length=MAX_LIST_ITEMS,
        description="BookMe extension: the room must have all of these room features (ids or "
        "names), besides the theme's own; as searched with requiredRoomFeatures.",
    )


class TimeSlotOut(OutSchema):
    id: str = Field(examples=["12345"])
    status: TimeSlotStatusName
    start_date: Instant
    end_date: Instant
    employee_id: str | None
    room_id: str | None
    theme_id: str | None
    expires_at: Instant | None = Field(
        description="When a Reserved hold lapses, or when a Booked slot without a meeting is "
        "released; null once it has its meeting (or is Cancelled or Expired)."
    )


class PatchOperation(InSchema):
    """One RFC 6902 operation; this API supports replacing /status only."""

    op: Literal["replace"]
    path: Literal["/status"]
    value: Literal["Booked", "Cancelled"]


# --- meetings --------------------------------------------------------------------------


class CustomerIn(InSchema):
    name: Annotated[Text, AfterValidator(_single_line)] = Field(
        min_length=1,
        max_length=stored_length(Customer, "name"),
        description="One line: no line breaks or control characters.",
        examples=["Carla Customer"],
    )
    email: Annotated[Text, AfterValidator(_email)] = Field(
        max_length=stored_length(Customer, "email"), examples=["carla@example.com"]
    )
    phone: Text = Field(
        "", max_length=stored_length(Customer, "phone"), examples=["+45 12 34 56 78"]
    )


class MeetingIn(InSchema):
    booked_by: BookedByName = "customer"
    customer_category_id: Id | None = None
    time_slot_id: Id = Field(description="A Booked time slot of yours.")
    type: MeetingTypeEnum
    theme_id: Id
    room_id: Id | None = Field(None, description="If given, must be the time slot's room.")
    employee_id: Id | None = Field(None, description="If given, must be the time slot's employee.")
    # Without contact details the reference is the customer's name in emails and invites.
    customer_id: Annotated[Text, AfterValidator(_single_line)] | None = Field(
        None,
        min_length=1,
        max_length=CUSTOMER_ID_MAX_LENGTH,
        description="Your reference for the customer, kept per client; alone it is enough. "
        "One line: no line breaks or control characters.",
        examples=["67890"],
    )
    description: Text = Field("", max_length=DESCRIPTION_MAX_LENGTH)
    customer: CustomerIn | None = Field(
        None, description="Optional contact details: the invitation email goes there."
    )
    answers: dict[Annotated[str, Field(max_length=40)], Answer] | None = Field(
        None,
        max_length=MAX_LIST_ITEMS,
        description="Answers to the topic's information questions, by question id.",
    )
    profile_id: Id | None = Field(
        None,
        description="BookMe extension: book through this booking profile (GET "
        "/bookme/profiles): its topics, durations, period and work hours must allow the "
        "meeting, and its subject, description and online link become the meeting's.",
        examples=["7"],
    )
    profile_fields: dict[ProfileFieldName, ProfileFieldValue] | None = Field(
        None,
        max_length=MAX_FIELDS,
        description="BookMe extension: the profile's additionalFields, by name; each "
        "required one must be given. Only with profileId.",
        examples=[{"name": "Carla", "company": "Acme"}],
    )


class CustomerOut(OutSchema):
    id: str | None = Field(description="Your customerId.")
    name: str | None = Field(description="Null when only your customerId is known.")
    email: str | None = Field(description="Null when not given: no email is sent.")
    phone: str


class AnswerOut(OutSchema):
    question_id: str | None
    question: str
    answer: str


class MeetingOut(OutSchema):
    id: str
    status: MeetingStatusName
    time_slot_id: str
    start_date: Instant
    end_date: Instant
    type: MeetingTypeEnum
    theme_id: str
    employee_id: str | None
    room_id: str | None
    customer_category_id: str | None
    booked_by: BookedByName
    description: str
    customer: CustomerOut
    answers: list[AnswerOut]
    location: str = Field(description="Address, online link or phone, as in the invitation.")
    time_zone: str | None = Field(
        None,
        description="BookMe extension: the IANA zone the meeting's times are shown in on the "
        "website and in emails: the room's, else the employee's (the invitation itself "
        "carries UTC instants).",
        examples=["Europe/Copenhagen"],
    )
    subject: str = Field(
        "",
        description="BookMe extension: the meeting's title as in the invitation: the booking "
        "profile's subject as filled in when booked, else the topic's name.",
        examples=["Call with Carla about Acme"],
    )
    join_link: str | None = Field(
        None,
        description="BookMe extension: the address to join an online meeting (a profile "
        "may give each meeting a room of its own); null for other meetings or without one.",
        examples=["https://meet.example.com/bank-3f9c2a"],
    )
    created_at: Instant
    cancelled_at: Instant | None
    outcome: MeetingOutcomeName | None = Field(
        None,
        description="BookMe extension: what happened, as staff recorded it once the meeting "
        "began: `completed` or `no_show` (also sent as the `meeting.no_show` webhook); "
        "null until recorded.",
    )
    outcome_at: Instant | None = Field(None, description="When staff recorded the outcome.")


class IcalIn(InSchema):
    title: Text | None = Field(
        None,
        max_length=stored_length(MeetingTopic, "name"),
        description="Default: the topic's name.",
    )
    description: Text | None = Field(
        None, max_length=DESCRIPTION_MAX_LENGTH, description="Default: the meeting's description."
    )
