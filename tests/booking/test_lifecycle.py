"""The booking steps exist once: the website, the API and the factories walk the same
services, so each leaves the same sequence of BookingEvents."""

# ruff: noqa: F811 - the web and API fixtures are imported by name to be used here
from __future__ import annotations

from django.urls import reverse

from booking import services
from booking.actors import ActorKind
from booking.models import BookingEvent, Meeting
from tests import factories
from tests.api.conftest import caller, make_caller  # noqa: F401 - fixtures
from tests.api.helpers import booked_slot, meeting_body
from tests.web.conftest import TUESDAY_TEN, _clock, _fresh_cache, bank, book  # noqa: F401

STEPS = ["held", "booked", "meeting_created"]
# Tuesday 13:00-14:00 Copenhagen: clear of the website's booking at 10:00.
API_START, API_END = "2026-06-02T11:00:00Z", "2026-06-02T12:00:00Z"


def api_meeting(caller, bank) -> Meeting:
    """Reserve, book (PATCH) and create through the API, answering the bank's question."""
    slot = booked_slot(caller, bank.alice, start=API_START, end=API_END)
    question = bank.topic.information_questions.get()
    body = meeting_body(bank.world, slot, answers={str(question.pk): "A new home"})
    response = caller.post("/api/bookme/meetings", body)
    assert response.status_code == 201, response.content
    return Meeting.objects.get(pk=response.json()["id"])


def trail(meeting: Meeting) -> list[tuple[str, str]]:
    """The kinds and actor kinds of every event of the meeting's slot and of the meeting."""
    events = BookingEvent.objects.filter(time_slot=meeting.time_slot) | BookingEvent.objects.filter(
        meeting=meeting
    )
    return list(events.distinct().order_by("pk").values_list("kind", "actor_kind"))


def test_website_api_and_factories_record_the_same_steps(client, bank, caller, world):
    """Hold, book, create: one event each, whoever books, each naming its kind of actor."""
    on_the_website = book(client, bank)
    through_the_api = api_meeting(caller, bank)
    by_the_factories = factories.meeting(
        topic=bank.topic,
        employee=bank.bob,
        start=TUESDAY_TEN,
        answers={bank.topic.information_questions.get().pk: "A new home"},
    )
    assert [k for k, _ in trail(on_the_website)] == STEPS
    assert [k for k, _ in trail(through_the_api)] == STEPS
    assert [k for k, _ in trail(by_the_factories)] == STEPS
    assert {a for _, a in trail(on_the_website)} == {ActorKind.SESSION}
    assert {a for _, a in trail(through_the_api)} == {ActorKind.API_CLIENT}


def test_cancelling_is_one_step_from_the_website_and_the_api(client, bank, caller, world):
    """The website's cancel page and the API's cancel call record the same single event."""
    on_the_website = book(client, bank)
    client.post(reverse("booking:cancel", args=[on_the_website.reference]))
    through_the_api = api_meeting(caller, bank)
    caller.post(f"/api/bookme/meetings/{through_the_api.pk}/cancel")
    for meeting in Meeting.objects.all():
        assert [k for k, _ in trail(meeting)] == [*STEPS, "cancelled"]
    assert services.meeting_cancel.__module__ == "booking.services.meetings"
