"""Every API error carries a stable `code`: the catalogue's for domain errors, one of
API_CODES for the API's own checks, and the OpenAPI document lists them all."""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from booking.api import errors
from booking.api.errors import API_CODES, ERROR_CODES, STATUS_CODES, ApiError
from booking.api.middleware import MESSAGES as MIDDLEWARE_MESSAGES
from booking.errors import MESSAGES, InvalidRequest, LimitReached, SlotUnavailable
from tests.api.helpers import BOOKED, TEN, booked_slot, meeting_body, reserve, reserve_body

RESERVE = "/api/bookme/time-slots/reserve"
MEETINGS = "/api/bookme/meetings"
AVAILABLE = "/api/bookme/time-slots/available"
SEARCH = {"requireEmployeeParticipation": "true", "startDate": TEN}
BOOKING = Path(django_settings.BASE_DIR) / "booking"


def no_token(ctx: Any) -> Any:
    return Client().get("/api/config/rooms")


def unknown_token(ctx: Any) -> Any:
    return Client().get("/api/config/rooms", headers={"Authorization": "Bearer nope"})


def read_token_writes(ctx: Any) -> Any:
    return ctx.reader.post(RESERVE, reserve_body(ctx.world.alice))


def unknown_path(ctx: Any) -> Any:
    return ctx.caller.get("/api/no-such-thing")


def wrong_method(ctx: Any) -> Any:
    return ctx.caller.http.delete("/api/bookme/meeting-topics", headers=ctx.caller.headers)


def body_too_large(ctx: Any) -> Any:
    ctx.settings.BOOKME_API_MAX_BODY_BYTES = 16
    return ctx.caller.post(RESERVE, reserve_body(ctx.world.alice))


def broken_json(ctx: Any) -> Any:
    return ctx.caller.post(RESERVE, '{"timeSlot": ', content_type="application/json")


def missing_field(ctx: Any) -> Any:
    body = reserve_body(ctx.world.alice)
    del body["token"]
    return ctx.caller.post(RESERVE, body)


def too_many_query_fields(ctx: Any) -> Any:
    query = "&".join(f"x{n}=1" for n in range(1001))
    return ctx.caller.http.get(f"{AVAILABLE}?{query}", headers=ctx.caller.headers)


def two_patch_operations(ctx: Any) -> Any:
    slot = reserve(ctx.caller, ctx.world.alice)
    return ctx.caller.patch(f"/api/bookme/time-slots/{slot['id']}", BOOKED + BOOKED)


def unknown_time_slot(ctx: Any) -> Any:
    return ctx.caller.get("/api/bookme/time-slots/999999")


def another_clients_time_slot(ctx: Any) -> Any:
    slot = reserve(ctx.outsider, ctx.world.alice)
    return ctx.caller.get(f"/api/bookme/time-slots/{slot['id']}")


def reversed_reservation(ctx: Any) -> Any:
    body = reserve_body(ctx.world.alice, start="2026-06-02T09:00:00Z", end=TEN)
    return ctx.caller.post(RESERVE, body)


def nobody_to_meet(ctx: Any) -> Any:
    return ctx.caller.post(RESERVE, reserve_body(None))


def search_too_long(ctx: Any) -> Any:
    return ctx.caller.get(AVAILABLE, {**SEARCH, "endDate": "2026-07-15T00:00:00Z"})


def search_reversed(ctx: Any) -> Any:
    return ctx.caller.get(AVAILABLE, {**SEARCH, "endDate": "2026-06-01T00:00:00Z"})


def taken_time(ctx: Any) -> Any:
    reserve(ctx.outsider, ctx.world.alice)
    return ctx.caller.post(RESERVE, reserve_body(ctx.world.alice))


def off_grid_hold(ctx: Any) -> Any:
    body = reserve_body(ctx.world.alice, start="2026-06-02T08:10:00Z", end="2026-06-02T09:10:00Z")
    return ctx.caller.post(RESERVE, body)


def token_reused(ctx: Any) -> Any:
    reserve(ctx.caller, ctx.world.alice, token="same")
    body = reserve_body(
        ctx.world.alice, start="2026-06-02T10:00:00Z", end="2026-06-02T11:00:00Z", token="same"
    )
    return ctx.caller.post(RESERVE, body)


def expired_hold(ctx: Any) -> Any:
    slot = reserve(ctx.caller, ctx.world.alice)
    ctx.frozen_clock.shift(timedelta(minutes=16))
    return ctx.caller.patch(f"/api/bookme/time-slots/{slot['id']}", BOOKED)


def meeting_on_a_hold(ctx: Any) -> Any:
    slot = reserve(ctx.caller, ctx.world.alice)
    return ctx.caller.post(MEETINGS, meeting_body(ctx.world, slot))


def unknown_question(ctx: Any) -> Any:
    slot = booked_slot(ctx.caller, ctx.world.alice)
    return ctx.caller.post(MEETINGS, meeting_body(ctx.world, slot, answers={"999999": "yes"}))


def no_customer(ctx: Any) -> Any:
    slot = booked_slot(ctx.caller, ctx.world.alice)
    body = meeting_body(ctx.world, slot)
    del body["customerId"], body["customer"]
    return ctx.caller.post(MEETINGS, body)


def hold_cap(ctx: Any) -> Any:
    ctx.settings.BOOKME_API_MAX_ACTIVE_HOLDS = 1
    reserve(ctx.caller, ctx.world.alice)
    body = reserve_body(
        ctx.world.alice, start="2026-06-02T10:00:00Z", end="2026-06-02T11:00:00Z", token="t2"
    )
    return ctx.caller.post(RESERVE, body)


def rate_limit(ctx: Any) -> Any:
    ctx.settings.BOOKME_API_RATE_LIMIT = 1
    ctx.caller.get("/api/config/rooms")
    return ctx.caller.get("/api/config/rooms")


def server_error(ctx: Any) -> Any:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    ctx.monkeypatch.setattr("booking.api.config.CustomerCategory.objects.order_by", broken)
    ctx.caller.http.raise_request_exception = False
    return ctx.caller.get("/api/config/customer-types")


# Each way the API refuses a request, with the status and code it must answer.
ERROR_PATHS: list[tuple[Callable[[Any], Any], int, str]] = [
    (no_token, 401, "unauthorized"),
    (unknown_token, 401, "unauthorized"),
    (read_token_writes, 403, "forbidden"),
    (unknown_path, 404, "not_found"),
    (wrong_method, 405, "method_not_allowed"),
    (body_too_large, 413, "body_too_large"),
    (broken_json, 400, "invalid_json"),
    (missing_field, 400, "invalid_input"),
    (too_many_query_fields, 400, "invalid_input"),
    (two_patch_operations, 400, "invalid_input"),
    (unknown_time_slot, 404, "not_found"),
    (another_clients_time_slot, 404, "not_found"),
    (reversed_reservation, 400, "end_before_start"),
    (nobody_to_meet, 400, "employee_or_room_required"),
    (search_too_long, 400, "search_too_long"),
    (search_reversed, 400, "search_end_before_start"),
    (off_grid_hold, 400, "hold_off_grid"),
    (token_reused, 400, "token_reused"),
    (taken_time, 409, "time_not_free"),
    (expired_hold, 409, "hold_expired"),
    (meeting_on_a_hold, 409, "slot_not_booked"),
    (unknown_question, 400, "unknown_question"),
    (no_customer, 400, "customer_reference_required"),
    (hold_cap, 429, "hold_limit"),
    (rate_limit, 429, "rate_limited"),
    (server_error, 500, "server_error"),
]


@pytest.fixture
def ctx(world, caller, outsider, reader, settings, frozen_clock, monkeypatch) -> SimpleNamespace:
    """What the error paths need, in one place."""
    return SimpleNamespace(
        world=world,
        caller=caller,
        outsider=outsider,
        reader=reader,
        settings=settings,
        frozen_clock=frozen_clock,
        monkeypatch=monkeypatch,
    )


@pytest.mark.parametrize(
    ("make_request", "status", "code"), ERROR_PATHS, ids=[p[0].__name__ for p in ERROR_PATHS]
)
def test_each_error_path_answers_with_its_code(ctx, make_request, status, code):
    """Each refusal of the API: its status, the error shape, and the one code clients rely on."""
    response = make_request(ctx)
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "parameter", "code"}
    assert body["code"] == code


def test_api_messages_stay_english_whatever_the_client_asks_for(world, caller):
    """Accept-Language changes neither the message nor the code of an API error."""
    english = caller.post(RESERVE, reserve_body(None)).json()
    german = caller.http.post(
        RESERVE,
        reserve_body(None, token="t2"),
        content_type="application/json",
        headers={**caller.headers, "Accept-Language": "de"},
    ).json()
    assert german == english
    assert german["code"] == "employee_or_room_required"


def test_the_documented_codes_are_the_catalogue_and_the_apis_own(client, db):
    """The OpenAPI enum of ErrorOut.code is exactly the catalogue's codes plus API_CODES,
    which share no name; every generic code is one of API_CODES."""
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["ErrorOut"]
    assert "code" in schema["required"]
    assert schema["properties"]["code"]["type"] == "string"
    assert set(schema["properties"]["code"]["enum"]) == set(MESSAGES) | set(API_CODES)
    assert not set(MESSAGES) & set(API_CODES)
    assert set(STATUS_CODES.values()) <= set(API_CODES)
    assert {errors.status_code(status) for status in MIDDLEWARE_MESSAGES} <= set(API_CODES)
    assert len(ERROR_CODES) == len(set(ERROR_CODES))


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _strings(node: ast.expr) -> list[str]:
    """The literal strings an expression can be: "a", or "a" if ... else "b"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def test_every_code_written_in_the_code_is_known():
    """Each literal code given to a domain error, to ApiError or assigned to `code` in the
    booking package is in the catalogue or API_CODES: a typo fails here, not in production."""
    domain = {"BookingError", "InvalidRequest", "NotFound", "Conflict", "SlotUnavailable"}
    domain |= {"HoldExpired", "InvalidState", "TooLate", "LimitReached"}
    unknown, seen = [], 0
    for path in BOOKING.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            found: list[str] = []
            if isinstance(node, ast.Call) and _name(node) in domain and node.args:
                found = _strings(node.args[0])
                unknown += [(path.name, c) for c in found if c not in MESSAGES]
            elif isinstance(node, ast.Call) and _name(node) in {"ApiError", "error_body"}:
                for keyword in node.keywords:
                    if keyword.arg == "code":
                        found = _strings(keyword.value)
                found += [s for a in node.args[2:] for s in _strings(a)]
                unknown += [(path.name, c) for c in found if c not in ERROR_CODES]
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "code" for t in node.targets
            ):
                found = _strings(node.value)
                unknown += [(path.name, c) for c in found if c not in ERROR_CODES]
            seen += len(found)
    assert unknown == []
    assert seen > 60  # the walk finds the raises


def test_an_error_without_a_catalogue_code_cannot_be_raised():
    """Plain text is no longer accepted as a message: every domain error has a code."""
    with pytest.raises(ValueError, match="not an error code"):
        InvalidRequest("The end must be after the start.", field="end")
    with pytest.raises(ValueError, match="not an error code"):
        LimitReached("Too many holds.", retry_after=10)
    with pytest.raises(ValueError, match="API_CODES"):
        ApiError(400, "Bad.", code="no_such_code")
    with pytest.raises(KeyError):
        ApiError(418, "A teapot has no generic code: give one.")


def test_a_domain_errors_message_follows_the_active_language_and_its_code_does_not():
    """The website shows the message translated; the code is the same in every language."""
    error = SlotUnavailable("time_not_free", field="start")
    with translation.override("de"):
        assert error.message == "Diese Zeit ist nicht frei."
    with translation.override("da"):
        assert error.message == "Dette tidspunkt er ikke ledigt."
    assert error.code == "time_not_free"
    assert errors.english(error) == "This time is not free."
