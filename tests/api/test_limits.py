"""Limits per API client: holds, Booked slots without a meeting, and requests per window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.models import Meeting, TimeSlot, TimeSlotStatus
from tests.api.helpers import BOOKED, meeting_body, reserve, reserve_body

RESERVE = "/api/bookme/time-slots/reserve"
TOPICS = "/api/bookme/meeting-topics?isCustomer=false"


def at(hour: int) -> dict[str, str]:
    """Tuesday 2 June 2026, `hour`:00 UTC for one hour (Alice works 07-15 UTC)."""
    return {"start": f"2026-06-02T{hour:02}:00:00Z", "end": f"2026-06-02T{hour + 1:02}:00:00Z"}


def offered(caller, world) -> list[str]:
    """Alice's free starts on Tuesday for the world's topic."""
    response = caller.get(
        "/api/bookme/time-slots/available",
        {
            "startDate": "2026-06-02T00:00:00Z",
            "endDate": "2026-06-03T00:00:00Z",
            "theme": world.topic.pk,
            "explicitEmployeeIds": world.alice.pk,
            "requireEmployeeParticipation": "true",
        },
    )
    assert response.status_code == 200, response.content
    return [s["startDate"] for s in response.json()]


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# --- holds ------------------------------------------------------------------------------


def test_the_default_caps_are_twenty(settings):
    """Sensible defaults: 20 active holds and 20 Booked slots without a meeting per client."""
    assert settings.BOOKME_API_MAX_ACTIVE_HOLDS == 20
    assert settings.BOOKME_API_MAX_BOOKED_WITHOUT_MEETING == 20
    assert settings.BOOKME_BOOKED_WITHOUT_MEETING_MINUTES == 15


def test_a_client_past_its_hold_cap_gets_429_with_retry_after(
    world, caller, settings, frozen_clock
):
    """The third hold of a client capped at two: 429, Retry-After until its first hold ends."""
    settings.BOOKME_API_MAX_ACTIVE_HOLDS = 2
    reserve(caller, world.alice, token="a", **at(7))
    frozen_clock.shift(timedelta(seconds=100))
    reserve(caller, world.alice, token="b", **at(9))
    response = caller.post(RESERVE, reserve_body(world.alice, token="c", **at(11)))
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60 - 100)
    body = error_of(response)
    assert set(body) == {"message", "parameter", "code"}
    assert body["parameter"] is None
    assert body["code"] == "hold_limit"
    assert "2" in body["message"]
    assert TimeSlot.objects.count() == 2


def test_a_retried_reservation_is_not_a_new_hold(world, caller, settings):
    """The same token again replays the reservation (200) even at the cap."""
    settings.BOOKME_API_MAX_ACTIVE_HOLDS = 1
    reserve(caller, world.alice, token="a", **at(7))
    again = caller.post(RESERVE, reserve_body(world.alice, token="a", **at(7)))
    assert again.status_code == 200


def test_one_clients_holds_do_not_limit_another(world, caller, outsider, settings):
    """The cap is per client: a full client leaves the others free to hold."""
    settings.BOOKME_API_MAX_ACTIVE_HOLDS = 1
    reserve(caller, world.alice, token="a", **at(7))
    assert caller.post(RESERVE, reserve_body(world.alice, token="b", **at(9))).status_code == 429
    assert outsider.post(RESERVE, reserve_body(world.bob, token="a", **at(9))).status_code == 201


def test_expired_holds_free_their_place(world, caller, settings, frozen_clock):
    """After Retry-After seconds the client may hold again."""
    settings.BOOKME_API_MAX_ACTIVE_HOLDS = 1
    reserve(caller, world.alice, token="a", **at(7))
    refused = caller.post(RESERVE, reserve_body(world.alice, token="b", **at(9)))
    frozen_clock.shift(timedelta(seconds=int(refused["Retry-After"])))
    assert caller.post(RESERVE, reserve_body(world.alice, token="b", **at(9))).status_code == 201


# --- Booked without a meeting -------------------------------------------------------------


def test_booking_shows_when_the_meeting_must_be_created(world, caller):
    """Booked: expiresAt is the deadline for the meeting; with the meeting it is null."""
    slot = reserve(caller, world.alice, **at(7))
    response = caller.patch(f"/api/bookme/time-slots/{slot['id']}", BOOKED)
    assert response.status_code == 200
    assert response.json()["expiresAt"] == "2026-06-01T06:15:00Z"
    created = caller.post("/api/bookme/meetings", meeting_body(world, response.json()))
    assert created.status_code == 201, created.content
    assert caller.get(f"/api/bookme/time-slots/{slot['id']}").json()["expiresAt"] is None


def test_a_client_past_its_booked_cap_gets_429_with_retry_after(
    world, caller, settings, frozen_clock
):
    """Booking a second slot while one waits for its meeting (cap 1): 429, still Reserved."""
    settings.BOOKME_API_MAX_BOOKED_WITHOUT_MEETING = 1
    first = reserve(caller, world.alice, token="a", **at(7))
    second = reserve(caller, world.alice, token="b", **at(9))
    assert caller.patch(f"/api/bookme/time-slots/{first['id']}", BOOKED).status_code == 200
    frozen_clock.shift(timedelta(seconds=60))
    response = caller.patch(f"/api/bookme/time-slots/{second['id']}", BOOKED)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60 - 60)
    assert error_of(response)["parameter"] is None
    assert error_of(response)["code"] == "booked_limit"
    assert TimeSlot.objects.get(pk=second["id"]).status == TimeSlotStatus.RESERVED


def test_a_booked_slot_without_a_meeting_expires_and_frees_the_time(
    world, caller, outsider, frozen_clock
):
    """16 minutes without a meeting: the time is offered again, taken by another client,
    and the first client's meeting on it is a 409."""
    slot = reserve(caller, world.alice, **at(7))
    booked = caller.patch(f"/api/bookme/time-slots/{slot['id']}", BOOKED).json()
    assert "2026-06-02T07:00:00Z" not in offered(outsider, world)
    frozen_clock.shift(timedelta(minutes=16))
    assert "2026-06-02T07:00:00Z" in offered(outsider, world)
    assert outsider.post(RESERVE, reserve_body(world.alice, **at(7))).status_code == 201
    assert caller.get(f"/api/bookme/time-slots/{slot['id']}").json()["status"] == "Expired"
    late = caller.post("/api/bookme/meetings", meeting_body(world, booked))
    assert late.status_code == 409
    assert not Meeting.objects.exists()


def test_a_stale_booked_slot_is_409_before_the_body_is_looked_at(world, caller, frozen_clock):
    """Past its deadline (not yet marked Expired) the slot's state wins: 409 even for a
    body naming an unknown theme, as for a slot that is only Reserved."""
    slot = reserve(caller, world.alice, **at(7))
    booked = caller.patch(f"/api/bookme/time-slots/{slot['id']}", BOOKED).json()
    frozen_clock.shift(timedelta(minutes=16))
    late = caller.post("/api/bookme/meetings", meeting_body(world, booked, themeId="999999"))
    assert late.status_code == 409, late.content
    assert error_of(late)["parameter"] == "timeSlotId"
    assert not Meeting.objects.exists()


# --- request rate -------------------------------------------------------------------------


def test_every_authenticated_response_carries_the_rate_limit_headers(caller, settings):
    """RateLimit-Limit, -Remaining and -Reset (seconds) on each answer, errors included."""
    settings.BOOKME_API_RATE_LIMIT = 5
    settings.BOOKME_API_RATE_WINDOW = 60
    first = caller.get(TOPICS)
    missing = caller.get("/api/bookme/meetings/999999")
    assert first.status_code == 200
    assert missing.status_code == 404
    assert first["RateLimit-Limit"] == "5"
    assert (first["RateLimit-Remaining"], missing["RateLimit-Remaining"]) == ("4", "3")
    assert 1 <= int(first["RateLimit-Reset"]) <= 60


def test_past_the_rate_limit_the_client_gets_429_with_retry_after(
    caller, outsider, settings, frozen_clock
):
    """The fourth request of three per minute: 429 in the error shape, Retry-After the
    seconds to the next window; other clients are unaffected; the next window allows again."""
    settings.BOOKME_API_RATE_LIMIT = 3
    settings.BOOKME_API_RATE_WINDOW = 60
    for _ in range(3):
        assert caller.get(TOPICS).status_code == 200
    refused = caller.get(TOPICS)
    assert refused.status_code == 429
    assert error_of(refused) == {
        "message": "Too many requests: at most 3 per 60 seconds. Retry after 60 seconds.",
        "parameter": None,
        "code": "rate_limited",
    }
    assert refused["Retry-After"] == "60" == refused["RateLimit-Reset"]
    assert refused["RateLimit-Remaining"] == "0"
    assert outsider.get(TOPICS).status_code == 200
    frozen_clock.shift(timedelta(seconds=60))
    assert caller.get(TOPICS).status_code == 200


def test_a_refused_request_changes_nothing(world, caller, settings):
    """A reservation over the rate limit is not made."""
    settings.BOOKME_API_RATE_LIMIT = 1
    caller.get(TOPICS)
    response = caller.post(RESERVE, reserve_body(world.alice, **at(7)))
    assert response.status_code == 429
    assert not TimeSlot.objects.exists()


@pytest.mark.parametrize("header", [None, "Bearer not-a-token"])
def test_unauthenticated_requests_are_not_counted_against_a_client(caller, settings, header):
    """No token or a wrong one: 401 without RateLimit headers (the token endpoint's concern)."""
    settings.BOOKME_API_RATE_LIMIT = 1
    headers = {"Authorization": header} if header else {}
    for _ in range(3):
        response = caller.http.get(TOPICS, headers=headers)
        assert response.status_code == 401
        assert not response.has_header("RateLimit-Limit")
    assert caller.get(TOPICS).status_code == 200


def test_every_token_of_a_client_shares_its_limit(caller, settings):
    """The limit is per client, not per token: fetching new tokens does not reset it."""
    from tests.api.helpers import issue_token

    settings.BOOKME_API_RATE_LIMIT = 2
    caller.get(TOPICS)
    caller.get(TOPICS)
    other_token = issue_token(caller.application, "read write")
    response = caller.http.get(TOPICS, headers={"Authorization": f"Bearer {other_token}"})
    assert response.status_code == 429
