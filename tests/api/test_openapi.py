"""/api/openapi.json and /api/docs: complete, and true to the running API (schemathesis)."""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from booking.models import (
    DESCRIPTION_MAX_LENGTH,
    LONGEST_BLOCK,
    Customer,
    Meeting,
    MeetingAnswer,
    TimeSlot,
)
from config_data.models import MeetingTopic
from config_data.profile_text import FIELD_MAX_LENGTH
from tests.api.helpers import (
    BOOKED,
    TEN,
    booked_slot,
    create_meeting,
    meeting_body,
    reserve,
    reserve_body,
)

WEDNESDAY_TEN, WEDNESDAY_ELEVEN = "2026-06-03T08:00:00Z", "2026-06-03T09:00:00Z"

OPERATIONS = {
    ("post", "/api/bookme/waitlist"): "write",
    ("get", "/api/bookme/waitlist/{waitlistId}"): "read",
    ("delete", "/api/bookme/waitlist/{waitlistId}"): "write",
    ("get", "/api/bookme/meeting-topics"): "read",
    ("get", "/api/bookme/profiles"): "read",
    ("get", "/api/bookme/profiles/{profileId}"): "read",
    ("get", "/api/config/customer-types"): "read",
    ("get", "/api/config/employees"): "read",
    ("get", "/api/config/rooms"): "read",
    ("get", "/api/bookme/time-slots/available"): "read",
    ("post", "/api/bookme/time-slots/reserve"): "write",
    ("get", "/api/bookme/time-slots/{timeSlotId}"): "read",
    ("patch", "/api/bookme/time-slots/{timeSlotId}"): "write",
    ("post", "/api/bookme/meetings"): "write",
    ("get", "/api/bookme/meetings/{meetingId}"): "read",
    ("post", "/api/bookme/meetings/{meetingId}/cancel"): "write",
    ("post", "/api/bookme/meetings/{meetingId}/ical"): "read",
    ("post", "/api/bookme/webhooks"): "write",
    ("get", "/api/bookme/webhooks"): "read",
    ("get", "/api/bookme/webhooks/{webhookId}"): "read",
    ("delete", "/api/bookme/webhooks/{webhookId}"): "write",
    ("get", "/api/bookme/me/meetings"): "read",
    ("get", "/api/bookme/me/schedule"): "read",
}
# Operations a partner app's token acting for a person may call (booking/api/people.py):
# some with a client's token too, the "me" ones only with a person's.
FOR_PERSONS_TOO = {
    ("get", "/api/bookme/meeting-topics"),
    ("get", "/api/config/customer-types"),
    ("get", "/api/config/employees"),
    ("get", "/api/config/rooms"),
    ("get", "/api/bookme/meetings/{meetingId}"),
    ("post", "/api/bookme/meetings/{meetingId}/ical"),
}
FOR_PERSONS_ONLY = {("get", "/api/bookme/me/meetings"), ("get", "/api/bookme/me/schedule")}


def documented_security(key: tuple[str, str], scope: str) -> list[dict[str, list[str]]]:
    clients = [{"OAuth2ClientCredentials": [scope]}]
    persons = [{"OAuth2AuthorizationCode": [scope]}]
    if key in FOR_PERSONS_ONLY:
        return persons
    return clients + persons if key in FOR_PERSONS_TOO else clients


@pytest.fixture
def openapi(db) -> dict:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_endpoint_is_documented_with_its_scope(openapi):
    """Every operation, each behind the OAuth2 client-credentials scheme and its scope, or
    the authorization code scheme where a partner app's token acting for a person may call."""
    documented = {
        (method, path): operation["security"]
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
    }
    assert documented == {key: documented_security(key, scope) for key, scope in OPERATIONS.items()}
    scheme = openapi["components"]["securitySchemes"]["OAuth2ClientCredentials"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == "/o/token/"
    assert set(scheme["flows"]["clientCredentials"]["scopes"]) == {"read", "write"}
    assert "scheme" not in scheme  # an oauth2 scheme has no http "scheme"


def test_every_error_is_documented_with_the_error_shape(openapi):
    """401 and 403 everywhere, 404/409 where they can happen, 400 for every id in a path,
    413 where a body is taken, all as {message, parameter, code}."""
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    expected = {
        ("post", "/api/bookme/time-slots/reserve"): {"200", "201", "400", "404", "409", "413"},
        ("patch", "/api/bookme/time-slots/{timeSlotId}"): {"200", "400", "404", "409", "413"},
        ("post", "/api/bookme/meetings"): {"201", "400", "404", "409", "413"},
        ("get", "/api/bookme/time-slots/available"): {"200", "400", "404"},
        ("get", "/api/bookme/meetings/{meetingId}"): {"200", "400", "404"},
        ("post", "/api/bookme/meetings/{meetingId}/ical"): {"200", "400", "404", "413"},
    }
    for (method, path), codes in expected.items():
        # At least these (a rate limit adds its 429 where it applies).
        assert codes | {"401", "403"} <= set(openapi["paths"][path][method]["responses"])
    for item in openapi["paths"].values():
        for operation in item.values():
            for code in {"401", "403", "413"} & set(operation["responses"]):
                response = operation["responses"][code]
                assert response["content"]["application/json"]["schema"] == error_ref
                assert response["description"] not in ("Unauthorized", "Forbidden")
    error = openapi["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"message", "parameter", "code"}


def test_the_seeds_examples_are_in_the_document(openapi):
    """The reserve, PATCH, meeting and ical bodies come with the seed's examples."""
    paths = openapi["paths"]
    reserve_body = paths["/api/bookme/time-slots/reserve"]["post"]["requestBody"]["content"]
    assert reserve_body["application/json"]["example"]["timeSlot"]["status"] == "Reserved"
    assert reserve_body["application/json"]["example"]["token"] == "reservation-token"
    patch_body = paths["/api/bookme/time-slots/{timeSlotId}"]["patch"]["requestBody"]["content"]
    assert set(patch_body) == {"application/json", "application/json-patch+json"}
    assert patch_body["application/json-patch+json"]["example"] == [
        {"op": "replace", "path": "/status", "value": "Booked"}
    ]
    meeting_body = paths["/api/bookme/meetings"]["post"]["requestBody"]["content"]
    assert meeting_body["application/json"]["example"]["bookedBy"] == "customer"
    ical = paths["/api/bookme/meetings/{meetingId}/ical"]["post"]
    assert "text/calendar" in ical["responses"]["200"]["content"]
    available = paths["/api/bookme/time-slots/available"]["get"]
    assert [p["name"] for p in available["parameters"]] == [
        "requireEmployeeParticipation",
        "explicitEmployeeIds",
        "startDate",
        "endDate",
        "theme",
        "customerCategoryId",
        "meetingTypes",
        "requireRoom",
        "specificRooms",
        "meetingDuration",
        "requiredRoomFeatures",  # BookMe's extension, after the seed's own
    ]
    assert next(p for p in available["parameters"] if p["name"] == "requireEmployeeParticipation")[
        "required"
    ]


def test_the_description_walks_through_booking_with_curl(openapi):
    """A developer reading only the docs finds every step as a curl command."""
    guide = openapi["info"]["description"]
    for step in (
        "grant_type=client_credentials",
        "/o/token/",
        "/api/bookme/meeting-topics?isCustomer=true",
        "/api/config/customer-types",
        "/api/config/employees",
        "/api/config/rooms",
        "/api/bookme/time-slots/available?requireEmployeeParticipation=true",
        "/api/bookme/time-slots/reserve",
        "-X PATCH",
        "application/json-patch+json",
        "/api/bookme/meetings -d",
        "/ical",
        "/cancel",
    ):
        assert step in guide, step


def request_schemas(openapi: dict) -> Iterator[tuple[str, dict]]:
    """Every schema a client sends: parameters and request bodies, named by where they are."""
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                yield f"{method} {path} {parameter['name']}", parameter["schema"]
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                if "schema" in content:
                    yield f"{method} {path} body ({media})", content["schema"]


def unbounded_here(schema: dict, where: str) -> list[str]:
    """The unbounded places of `schema` itself, not of its parts."""
    found = []
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    bounded_by_value = "enum" in schema or "const" in schema
    if "string" in kinds and "maxLength" not in schema and not bounded_by_value:
        found.append(f"{where}: string without maxLength")
    if "array" in kinds and "maxItems" not in schema:
        found.append(f"{where}: array without maxItems")
    if "additionalProperties" in schema and "maxProperties" not in schema:
        found.append(f"{where}: object without maxProperties")
    return found


def unbounded(openapi: dict, schema: dict, where: str, seen: frozenset = frozenset()) -> list[str]:
    """The places in `schema` a client could fill without limit: strings without maxLength
    (an enum or const bounds itself), arrays without maxItems, maps without maxProperties."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return unbounded(openapi, openapi["components"]["schemas"][name], where, seen | {name})
    found = unbounded_here(schema, where)
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            found += unbounded(openapi, part, where, seen)
    for name, part in schema.get("properties", {}).items():
        found += unbounded(openapi, part, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties", "propertyNames"):
        if isinstance(schema.get(key), dict):
            found += unbounded(openapi, schema[key], f"{where}[{key}]", seen)
    return found


def test_every_string_a_client_sends_has_a_maximum_length(openapi):
    """Query, path and body: each string has maxLength, each list maxItems (the server
    enforces them: tests/api/test_input.py), so no field takes a megabyte."""
    schemas = list(request_schemas(openapi))
    assert len(schemas) > 20
    problems = [p for where, schema in schemas for p in unbounded(openapi, schema, where)]
    assert problems == []


def test_the_walk_finds_an_unbounded_string():
    """The check above can fail: a string, a list and a map without bounds are found."""
    document = {"components": {"schemas": {"In": {"properties": {"name": {"type": "string"}}}}}}
    assert unbounded(document, {"$ref": "#/components/schemas/In"}, "body") == [
        "body.name: string without maxLength"
    ]
    assert unbounded(document, {"type": "array", "items": {"enum": ["a"]}}, "q") == [
        "q: array without maxItems"
    ]
    assert unbounded(document, {"additionalProperties": {"maxLength": 1}}, "m") == [
        "m: object without maxProperties"
    ]


def max_lengths(schema: dict) -> set[int]:
    """The maxLength values of a property, looking through anyOf and a map's values."""
    found = {schema["maxLength"]} if "maxLength" in schema else set()
    for part in schema.get("anyOf", []):
        found |= max_lengths(part)
    if isinstance(schema.get("additionalProperties"), dict):
        found |= max_lengths(schema["additionalProperties"])
    return found


def test_each_stored_strings_max_length_is_the_models(openapi):
    """Where a body field is stored in a model field, its maxLength is that field's
    max_length (or the one constant): raising a limit in the model raises it in the API."""
    stored = {
        ("CustomerIn", "name"): Customer._meta.get_field("name").max_length,
        ("CustomerIn", "email"): Customer._meta.get_field("email").max_length,
        ("CustomerIn", "phone"): Customer._meta.get_field("phone").max_length,
        ("ReserveIn", "token"): TimeSlot._meta.get_field("token").max_length,
        ("MeetingIn", "description"): DESCRIPTION_MAX_LENGTH,
        ("MeetingIn", "answers"): MeetingAnswer._meta.get_field("answer").max_length,
        ("MeetingIn", "profileFields"): FIELD_MAX_LENGTH,
        ("IcalIn", "description"): DESCRIPTION_MAX_LENGTH,
        ("IcalIn", "title"): MeetingTopic._meta.get_field("name").max_length,
        # Stored as "<application id>:<customerId>": the id and its colon take the rest.
        ("MeetingIn", "customerId"): Customer._meta.get_field("external_id").max_length
        - len(f"{2**63 - 1}:"),
    }
    schemas = openapi["components"]["schemas"]
    found = {key: max_lengths(schemas[key[0]]["properties"][key[1]]) for key in stored}
    assert found == {key: {length} for key, length in stored.items()}
    duration = schemas["AvailableQuery"]["properties"]["meetingDuration"]["anyOf"][0]
    assert duration["maximum"] == LONGEST_BLOCK // timedelta(minutes=1)


def test_the_interactive_docs_are_served_without_a_cdn(db):
    """/api/docs is Swagger UI from our own static files: nothing fetched from elsewhere."""
    response = Client().get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/api/openapi.json" in page
    assert "cdn" not in page.lower()


# --- schemathesis ----------------------------------------------------------------------

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@contextmanager
def sharing_the_test_connection() -> Iterator[None]:
    """As django.test.Client does for each request: requests must not close the test's
    connection (it holds the test's transaction and data)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_and_no_schema_violation(world, caller, settings):
    """Generated requests, valid and invalid, against every operation: never a 5xx, and every
    response (status, content type, body) is one the document promises. Two thirds of the
    cases carry a NUL byte or an oversized string in one of their strings.
    Run it on PostgreSQL too (DATABASE_URL): it refuses NUL in text where SQLite stores it."""
    slot = reserve(caller, world.bob, token="fuzz")
    meeting = create_meeting(caller, world)
    known_ids = {"timeSlotId": slot["id"], "meetingId": meeting["id"]}
    settings.ALLOWED_HOSTS = ["localhost"]
    seen: Counter = Counter()
    with sharing_the_test_connection():
        fuzz(get_wsgi_application(), caller, known_ids, seen)
    assert seen[5] == 0
    assert seen[2] > 0
    assert seen[4] > 0
    # Mostly refused (400, 413), or 404 for an id; a 2xx only where the string landed in a
    # property the operation ignores (generated bodies carry unknown properties too).
    assert seen[NUL_BYTE, 4] > 50
    assert seen[OVERSIZED, 4] > 50


def test_schemathesis_hostile_strings_in_otherwise_valid_requests(world, caller, settings):
    """Generated requests rarely get past the ids; these do. A valid request to every
    operation (real ids, the client's own slot and meeting), then each of its strings in
    turn with a NUL byte or past its maxLength: a documented 4xx every time, never a 5xx."""
    question = world.topic.information_questions.create(text="Why?", required=False)
    slot = booked_slot(caller, world.alice)
    meeting = create_meeting(
        caller, world, start=WEDNESDAY_TEN, end=WEDNESDAY_ELEVEN, token="token-2"
    )
    topic, alice = str(world.topic.pk), str(world.alice.pk)
    valid = {
        ("GET", "/api/bookme/meeting-topics"): {"query": {"isCustomer": "false"}},
        ("GET", "/api/bookme/time-slots/available"): {
            "query": {
                "requireEmployeeParticipation": "true",
                "theme": topic,
                "explicitEmployeeIds": [alice],
                "startDate": TEN,
                "endDate": "2026-06-03T08:00:00Z",
                "meetingTypes": ["online"],
            }
        },
        ("POST", "/api/bookme/time-slots/reserve"): {
            "body": reserve_body(world.bob, token="hostile", themeId=topic)
        },
        ("GET", "/api/bookme/time-slots/{timeSlotId}"): {
            "path_parameters": {"timeSlotId": slot["id"]}
        },
        ("PATCH", "/api/bookme/time-slots/{timeSlotId}"): {
            "path_parameters": {"timeSlotId": slot["id"]},
            "body": BOOKED,
            "media_type": "application/json",
        },
        ("POST", "/api/bookme/meetings"): {
            "body": meeting_body(world, slot, answers={str(question.pk): "Because"})
        },
        ("GET", "/api/bookme/meetings/{meetingId}"): {
            "path_parameters": {"meetingId": meeting["id"]}
        },
        ("POST", "/api/bookme/meetings/{meetingId}/cancel"): {
            "path_parameters": {"meetingId": meeting["id"]}
        },
        ("POST", "/api/bookme/meetings/{meetingId}/ical"): {
            "path_parameters": {"meetingId": meeting["id"]},
            "body": {"title": "Title", "description": "Description"},
        },
    }
    settings.ALLOWED_HOSTS = ["localhost"]
    refused: Counter = Counter()
    stored = (TimeSlot.objects.count(), Meeting.objects.count(), Customer.objects.count())
    with sharing_the_test_connection():
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
        for (method, path), parts in valid.items():
            operation = schema[path][method]
            count = len(hostile_places(parts))
            assert count, path
            for index, kind in itertools.product(range(count), (NUL_BYTE, OVERSIZED)):
                hostile = copy.deepcopy(parts)
                container, key = hostile_places(hostile)[index]
                value = container[key]
                if kind == NUL_BYTE:
                    container[key] = value[:1] + "\x00" + value[1:]
                else:
                    container[key] = value + "x" * LONGER_THAN_ANY_FIELD
                case = operation.Case(**hostile)
                response = case.call(headers=caller.headers)
                assert 400 <= response.status_code < 500, (method, path, hostile)
                case.validate_response(response, checks=CHECKS)
                refused[kind] += 1
        assert (TimeSlot.objects.count(), Meeting.objects.count(), Customer.objects.count()) == (
            stored
        )
        # The requests they were made from are valid: the refusals were the strings' doing.
        for (method, path), parts in valid.items():
            response = (
                schema[path][method].Case(**copy.deepcopy(parts)).call(headers=caller.headers)
            )
            assert response.status_code < 300, (method, path, response.content)
    assert refused[NUL_BYTE] == refused[OVERSIZED] > 30


def hostile_places(parts: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [
        place
        for name in ("path_parameters", "query", "body")
        for place in strings_in(parts.get(name))
    ]


NUL_BYTE, OVERSIZED = "a NUL byte", "an oversized string"
LONGER_THAN_ANY_FIELD = 6000  # past every maxLength, well under the body limit


def strings_in(value: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every string in a case's parameters or body."""
    items = value.items() if isinstance(value, dict) else enumerate(value or ())
    for key, item in list(items):
        if isinstance(item, str):
            yield value, key
        elif isinstance(item, dict | list):
            yield from strings_in(item)


def make_hostile(case: Any, data: st.DataObject) -> str | None:
    """Put a NUL byte or an oversized string into one of the case's strings, or leave it."""
    kind = data.draw(st.sampled_from([None, NUL_BYTE, OVERSIZED]), label="hostile")
    places = [
        place
        for part in (case.path_parameters, case.query, case.body)
        if isinstance(part, dict | list)
        for place in strings_in(part)
    ]
    if kind is None or not places:
        return None
    container, key = data.draw(st.sampled_from(places), label="string")
    value = container[key]
    if kind == NUL_BYTE:
        at = data.draw(st.integers(0, len(value)), label="at")
        container[key] = value[:at] + "\x00" + value[at:]
    else:
        container[key] = value + "x" * LONGER_THAN_ANY_FIELD
    return kind


def fuzz(app, caller, known_ids: dict[str, str], seen: Counter) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        own_ids = {
            p.name: known_ids[p.name] for p in operation.path_parameters if p.name in known_ids
        }
        runs: list[tuple[GenerationMode, dict[str, str]]] = [
            (GenerationMode.POSITIVE, {}),
            (GenerationMode.NEGATIVE, {}),
        ]
        if own_ids:  # also against the client's own slot and meeting, not only unknown ids
            runs.append((GenerationMode.POSITIVE, own_ids))
        for mode, path_parameters in runs:

            @given(
                case=operation.as_strategy(mode, path_parameters=path_parameters or None),
                data=st.data(),
            )
            @hypothesis_settings(
                max_examples=25,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case, data) -> None:
                kind = make_hostile(case, data)
                response = case.call(headers=caller.headers)
                seen[response.status_code // 100] += 1
                if kind is not None:
                    seen[kind] += 1
                    seen[kind, response.status_code // 100] += 1
                case.validate_response(response, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                # Nothing invalid can be written for it (no parameters, no body).
                assert mode == GenerationMode.NEGATIVE, operation.label
