"""Fixtures for the website's view tests: a small bank, a browser session, the steps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from booking.models import Meeting
from config_data.models import CustomerCategory, MeetingTopic
from tests import factories

# Tuesday 2 June 2026, 10:00 in Copenhagen (CEST, UTC+2); the clock is Monday 08:00.
TUESDAY_TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The hold rate limit lives in the cache; every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026, 08:00 in Copenhagen."""


@dataclass
class Bank:
    world: object
    private: CustomerCategory
    business: CustomerCategory
    topic: MeetingTopic  # the world's topic, open to every category, with one question

    @property
    def alice(self):
        return self.world.alice

    @property
    def bob(self):
        return self.world.bob


@pytest.fixture
def bank(world) -> Bank:
    private = factories.category("Private")
    business = factories.category("Business")
    world.topic.information_questions.create(text="What is the purpose?", required=True)
    return Bank(world=world, private=private, business=business, topic=world.topic)


def times_url(topic: MeetingTopic, **params) -> str:
    query = {"type": "online", "employee": "any", **params}
    return (
        reverse("booking:times", args=[topic.pk])
        + "?"
        + "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    )


def hold(
    client: Client,
    topic: MeetingTopic,
    start: datetime = TUESDAY_TEN,
    *,
    meeting_type: str = "online",
    employee: str = "any",
    **extra,
):
    """POST the picker's form for one time, as the button does."""
    data = {"type": meeting_type, "employee": employee, "start": start.isoformat(), **extra}
    return client.post(reverse("booking:times", args=[topic.pk]), data)


def held_slot_id(response) -> int:
    match = re.fullmatch(r"/hold/(\d+)/", response["Location"])
    assert match, response["Location"]
    return int(match.group(1))


def details_data(**overrides) -> dict:
    return {
        "name": "Carla Customer",
        "email": "carla@example.com",
        "phone": "+45 12 34 56 78",
        "description": "Buying a flat",
        **overrides,
    }


def answers_for(topic: MeetingTopic, text: str = "A new home") -> dict:
    return {f"answer_{q.pk}": text for q in topic.information_questions.all()}


def book(client: Client, bank: Bank, start: datetime = TUESDAY_TEN, **hold_kwargs) -> Meeting:
    """The whole flow through the views: hold, then confirm with valid details."""
    response = hold(client, bank.topic, start, **hold_kwargs)
    slot_id = held_slot_id(response)
    response = client.post(
        reverse("booking:details", args=[slot_id]),
        {**details_data(), **answers_for(bank.topic)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Meeting.objects.get(time_slot_id=slot_id)


def existing_meeting(bank: Bank, *, employee, start: datetime, **kwargs) -> Meeting:
    """A meeting someone else booked earlier (through the services)."""
    answers = {q.pk: "Existing" for q in bank.topic.information_questions.all()}
    return factories.meeting(
        topic=bank.topic,
        employee=employee,
        start=start,
        answers=answers,
        holder="session:someone-else",
        **kwargs,
    )
