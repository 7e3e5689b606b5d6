"""/api/openapi.json and /api/docs: complete, and true to the running API (schemathesis)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.helpers import create_meeting, reserve

OPERATIONS = {
    ("get", "/api/bookme/meeting-topics"): "read",
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
}


@pytest.fixture
def openapi(db) -> dict:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_endpoint_is_documented_with_its_scope(openapi):
    """All twelve operations, each behind the OAuth2 client-credentials scheme and its scope."""
    documented = {
        (method, path): operation["security"]
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
    }
    assert documented == {
        key: [{"OAuth2ClientCredentials": [scope]}] for key, scope in OPERATIONS.items()
    }
    scheme = openapi["components"]["securitySchemes"]["OAuth2ClientCredentials"]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == "/o/token/"
    assert set(scheme["flows"]["clientCredentials"]["scopes"]) == {"read", "write"}
    assert "scheme" not in scheme  # an oauth2 scheme has no http "scheme"


def test_every_error_is_documented_with_the_error_shape(openapi):
    """401 and 403 everywhere, 404/409 where they can happen, all as {message, parameter}."""
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    expected = {
        ("post", "/api/bookme/time-slots/reserve"): {"200", "201", "400", "404", "409"},
        ("patch", "/api/bookme/time-slots/{timeSlotId}"): {"200", "400", "404", "409"},
        ("post", "/api/bookme/meetings"): {"201", "400", "404", "409"},
        ("get", "/api/bookme/time-slots/available"): {"200", "400", "404"},
    }
    for (method, path), codes in expected.items():
        assert set(openapi["paths"][path][method]["responses"]) == codes | {"401", "403"}
    for item in openapi["paths"].values():
        for operation in item.values():
            for code in ("401", "403"):
                response = operation["responses"][code]
                assert response["content"]["application/json"]["schema"] == error_ref
                assert response["description"] not in ("Unauthorized", "Forbidden")
    error = openapi["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"message", "parameter"}


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


def test_the_interactive_docs_are_served_without_a_cdn(db):
    """/api/docs is Swagger UI from our own static files: nothing fetched from elsewhere."""
    response = Client().get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page and "/api/openapi.json" in page
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
    response (status, content type, body) is one the document promises."""
    slot = reserve(caller, world.bob, token="fuzz")
    meeting = create_meeting(caller, world)
    known_ids = {"timeSlotId": slot["id"], "meetingId": meeting["id"]}
    settings.ALLOWED_HOSTS = ["localhost"]
    seen: Counter = Counter()
    with sharing_the_test_connection():
        fuzz(get_wsgi_application(), caller, known_ids, seen)
    assert seen[5] == 0
    assert seen[2] > 0 and seen[4] > 0


def fuzz(app, caller, known_ids: dict[str, str], seen: Counter) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()
        own_ids = {
            p.name: known_ids[p.name] for p in operation.path_parameters if p.name in known_ids
        }
        runs = [(GenerationMode.POSITIVE, {})]
        if own_ids:  # also against the client's own slot and meeting, not only unknown ids
            runs.append((GenerationMode.POSITIVE, own_ids))
        if operation.query or operation.body:  # a path alone takes any string: no negatives
            runs.append((GenerationMode.NEGATIVE, {}))
        for mode, path_parameters in runs:

            @given(case=operation.as_strategy(mode, path_parameters=path_parameters or None))
            @hypothesis_settings(
                max_examples=25,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case) -> None:
                response = case.call(headers=caller.headers)
                seen[response.status_code // 100] += 1
                case.validate_response(response, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                # Nothing invalid can be written for it (no body; a path takes any string).
                assert mode == GenerationMode.NEGATIVE, operation.label
