"""Issue 8, points 4 and 5 over real HTTP: one client hoarding the calendar or flooding.

The attack of the issue: one client searched a topic's free times and held every one of
them, emptying every adviser's day. Now each client is capped, and told when to come back.
"""

from __future__ import annotations

import pytest

from booking.models import TimeSlot, TimeSlotStatus
from tests import factories
from tests.security.conftest import LiveClient, fetch_token

BOOKED = [{"op": "replace", "path": "/status", "value": "Booked"}]


@pytest.fixture
def topic(transactional_db):
    """A topic two advisers hold, bookable from now on (data relative to the real clock)."""
    location = factories.location(name="Copenhagen")
    advisers = [factories.employee(location=location, name=n) for n in ("Alice", "Bob")]
    return factories.topic(name="Mortgage", employees=advisers, requires_room=False)


def free_times(client: LiveClient, topic) -> list[dict]:
    """What an attacker starts from: every free time of the topic in the coming two weeks."""
    response = client.call(
        "GET",
        "/api/bookme/time-slots/available",
        params={"theme": topic.pk, "requireEmployeeParticipation": "true"},
    )
    assert response.status_code == 200, response.text
    times = response.json()
    assert len(times) > 10
    return times


def disjoint(times: list[dict], count: int) -> list[dict]:
    """`count` free times that do not overlap one another (starts are 30 minutes apart)."""
    chosen: list[dict] = []
    for time in times:
        if all(
            time["employeeId"] != c["employeeId"]
            or time["endDate"] <= c["startDate"]
            or c["endDate"] <= time["startDate"]
            for c in chosen
        ):
            chosen.append(time)
    assert len(chosen) >= count
    return chosen[:count]


def hold(client: LiveClient, time: dict, token: str):
    body = {
        "timeSlot": {
            "startDate": time["startDate"],
            "endDate": time["endDate"],
            "status": "Reserved",
            "employeeId": time["employeeId"],
        },
        "token": token,
    }
    return client.call("POST", "/api/bookme/time-slots/reserve", json=body)


def assert_error_shape(response, code: str) -> None:
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "parameter", "code"}
    assert body["parameter"] is None
    assert body["code"] == code


def test_a_client_cannot_hold_every_free_time(make_live_client, topic, settings):
    """Holding the whole calendar: after the cap every hold is 429 with Retry-After, and no
    more than the cap is ever held; another client can still hold."""
    settings.BOOKME_API_MAX_ACTIVE_HOLDS = 3
    hoarder, other = make_live_client("Hoarder"), make_live_client("Other")
    times = free_times(hoarder, topic)
    answers = [hold(hoarder, time, f"t{n}") for n, time in enumerate(disjoint(times, 8))]
    assert [r.status_code for r in answers] == [201] * 3 + [429] * 5
    for refused in answers[3:]:
        assert_error_shape(refused, "hold_limit")
        assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert TimeSlot.objects.filter(status=TimeSlotStatus.RESERVED).count() == 3
    assert hold(other, times[-1], "mine").status_code == 201


def test_a_client_cannot_hoard_by_booking_without_meetings(make_live_client, topic, settings):
    """Booking holds to free the hold cap, never creating meetings: the Booked cap stops it."""
    settings.BOOKME_API_MAX_ACTIVE_HOLDS = 2
    settings.BOOKME_API_MAX_BOOKED_WITHOUT_MEETING = 2
    hoarder = make_live_client("Hoarder")
    times = disjoint(free_times(hoarder, topic), 6)
    outcomes = []
    for n, time in enumerate(times[:4]):
        slot = hold(hoarder, time, f"t{n}").json()
        outcomes.append(hoarder.call("PATCH", f"/api/bookme/time-slots/{slot['id']}", json=BOOKED))
    assert [r.status_code for r in outcomes] == [200, 200, 429, 429]
    assert_error_shape(outcomes[2], "booked_limit")
    assert 1 <= int(outcomes[2].headers["Retry-After"]) <= 15 * 60
    # The two held ones count as holds: the hold cap is reached too.
    assert hold(hoarder, times[5], "t5").status_code == 429
    assert TimeSlot.objects.filter(status=TimeSlotStatus.BOOKED).count() == 2


def meeting_for_reference(client: LiveClient, topic, slot: dict, reference: str, **extra):
    """The seed's meeting body: the client's customerId alone, no contact details."""
    body = {
        "timeSlotId": slot["id"],
        "type": "online",
        "themeId": str(topic.pk),
        "customerId": reference,
        **extra,
    }
    return client.call("POST", "/api/bookme/meetings", json=body)


def test_a_client_cannot_hoard_with_meetings_nobody_is_told_about(
    make_live_client, topic, settings
):
    """Reserve, book and add a customerId-only meeting to every time: past the cap on
    upcoming meetings without an email, 429 with Retry-After, and the slot still waits
    (it expires like any Booked slot); a meeting with contact details still goes through."""
    settings.BOOKME_API_MAX_MEETINGS_WITHOUT_EMAIL = 3
    hoarder, other = make_live_client("Hoarder"), make_live_client("Other")
    times = disjoint(free_times(hoarder, topic), 7)
    slots, answers = [], []
    for n, time in enumerate(times[:5]):
        slot = hold(hoarder, time, f"t{n}").json()
        booked = hoarder.call("PATCH", f"/api/bookme/time-slots/{slot['id']}", json=BOOKED)
        assert booked.status_code == 200, booked.text
        slots.append(slot)
        answers.append(meeting_for_reference(hoarder, topic, slot, f"ref-{n}"))
    assert [r.status_code for r in answers] == [201] * 3 + [429] * 2, answers[-1].text
    for refused in answers[3:]:
        assert_error_shape(refused, "meeting_without_email_limit")
        assert "customers without an email" in refused.json()["message"]
        assert int(refused.headers["Retry-After"]) >= 1
    waiting = TimeSlot.objects.get(pk=slots[3]["id"])
    assert (waiting.status, waiting.expires_at is not None) == (TimeSlotStatus.BOOKED, True)

    details = {"customer": {"name": "Carla", "email": "carla@example.com"}}
    accepted = meeting_for_reference(hoarder, topic, slots[3], "ref-3", **details)
    assert accepted.status_code == 201, accepted.text
    theirs = hold(other, times[6], "mine").json()
    other.call("PATCH", f"/api/bookme/time-slots/{theirs['id']}", json=BOOKED)
    assert meeting_for_reference(other, topic, theirs, "ref-0").status_code == 201


def test_a_flooding_client_is_rate_limited_with_the_usual_headers(make_live_client, settings):
    """Past the rate limit: 429 in the error shape with Retry-After; the headers counted down
    on the way; a new token does not reset the count; other clients are unaffected."""
    settings.BOOKME_API_RATE_LIMIT = 5
    settings.BOOKME_API_RATE_WINDOW = 3600
    flooder, other = make_live_client("Flooder"), make_live_client("Other")
    path = "/api/bookme/meeting-topics?isCustomer=false"
    answers = [flooder.call("GET", path) for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["4", "3", "2", "1", "0", "0"]
    assert {r.headers["RateLimit-Limit"] for r in answers} == {"5"}
    refused = answers[-1]
    assert_error_shape(refused, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert refused.headers["Retry-After"] == refused.headers["RateLimit-Reset"]

    fresh = fetch_token(flooder.base, flooder.client_id, flooder.client_secret)
    assert fresh.status_code == 200
    flooder.token = fresh.json()["access_token"]
    assert flooder.call("GET", path).status_code == 429
    assert other.call("GET", path).status_code == 200


def test_unauthenticated_requests_get_no_rate_window(live_server, transactional_db):
    """Without a valid token there is no client to count: 401, no RateLimit headers."""
    import requests

    response = requests.get(
        live_server.url + "/api/bookme/meeting-topics?isCustomer=false",
        headers={"Authorization": "Bearer forged"},
        timeout=10,
    )
    assert response.status_code == 401
    assert "RateLimit-Limit" not in response.headers
