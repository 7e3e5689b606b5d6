"""GET /api/bookme/profiles and /profiles/{id}: read-only, with the seed's additionalFields."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config_data.models import BookingProfile, ProfileHours, Team
from tests import factories


@pytest.fixture
def page(world) -> BookingProfile:
    profile = BookingProfile.objects.create(
        employee=world.alice,
        slug="alice",
        title="Quick call",
        durations=[60, 30],
        subject_template="Call with {{name}} about {{company|your company}}",
        active_until=date(2026, 12, 31),
    )
    profile.topics.set([world.topic])
    ProfileHours.objects.create(profile=profile, weekday=0, start=time(9), end=time(12))
    return profile


def test_a_profile_lists_its_additional_fields_and_hours(world, caller, page):
    """The variables as additionalFields (required unless defaulted), hours, the page link."""
    response = caller.get(f"/api/bookme/profiles/{page.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["additionalFields"] == [
        {"name": "name", "required": True, "default": "", "maxLength": 500},
        {"name": "company", "required": False, "default": "your company", "maxLength": 500},
    ]
    assert body["schedulerLink"] == "http://testserver/p/alice/"
    assert body["durations"] == [30, 60]
    assert body["employeeIds"] == [str(world.alice.pk)]
    assert body["topicIds"] == [str(world.topic.pk)]
    assert body["workHours"] == [{"dayOfWeek": "monday", "start": "09:00:00", "end": "12:00:00"}]
    assert body["active"] is True
    assert body["activeUntil"] == "2026-12-31"


def test_the_list_has_every_profile_and_says_which_are_open(world, caller, page):
    """A switched-off team profile is listed too, with active false and no employee owner."""
    team = Team.objects.create(name="Both")
    team.employees.set([world.alice, world.bob])
    BookingProfile.objects.create(team=team, slug="team", title="A team page", active=False)
    body = caller.get("/api/bookme/profiles").json()
    assert [p["title"] for p in body] == ["A team page", "Quick call"]
    assert body[0]["active"] is False
    assert body[0]["employeeId"] is None
    assert body[0]["teamName"] == "Both"
    assert sorted(body[0]["employeeIds"]) == sorted([str(world.alice.pk), str(world.bob.pk)])


@pytest.mark.parametrize("value", ["999999", "abc", "0"])
def test_an_unknown_profile_is_a_404_naming_the_parameter(caller, page, value):
    """Unknown or malformed ids: 404 with parameter profileId."""
    response = caller.get(f"/api/bookme/profiles/{value}")
    assert response.status_code == 404
    assert response.json()["parameter"] == "profileId"


def test_profiles_need_a_token(page):
    """Without a token: 401."""
    assert Client().get("/api/bookme/profiles").status_code == 401


def test_the_list_costs_the_same_queries_for_many_profiles(world, caller, page):
    """GET /bookme/profiles: no query per profile (topics, team members, hours prefetched)."""

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert caller.get("/api/bookme/profiles").status_code == 200
        return len(queries.captured_queries)

    def team_profile(n: int) -> None:
        team = Team.objects.create(name=f"Team {n}")
        team.employees.set([world.alice, world.bob])
        extra = BookingProfile.objects.create(team=team, slug=f"team-{n}", title=f"Team {n}")
        extra.topics.set([world.topic])
        ProfileHours.objects.create(profile=extra, weekday=1, start=time(9), end=time(12))

    team_profile(0)
    count()  # warm-up: the kept configuration loads once (booking/catalog.py)
    two = count()
    for n in range(1, 5):
        team_profile(n)
    assert len(caller.get("/api/bookme/profiles").json()) == 6
    assert count() == two


def test_a_team_profile_lists_only_active_members_and_their_topics(world, caller):
    """An inactive member is no owner; a topic only they hold is not offered."""
    bobs = factories.topic(name="Bob's topic", employees=[world.bob])
    world.bob.active = False
    world.bob.save()
    team = Team.objects.create(name="Both")
    team.employees.set([world.alice, world.bob])
    page = BookingProfile.objects.create(team=team, slug="team", title="Team")
    page.topics.set([world.topic, bobs])
    body = caller.get(f"/api/bookme/profiles/{page.pk}").json()
    assert body["employeeIds"] == [str(world.alice.pk)]
    assert body["topicIds"] == [str(world.topic.pk)]
