"""A booking profile's page (/p/<slug>/), the flow kept inside it, its fields, My schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from booking.models import Meeting
from config_data.models import BookingProfile, ProfileHours, Team
from tests.web.conftest import TUESDAY_TEN, answers_for, details_data, held_slot_id, hold

SUBJECT = "Call with {{name}} about {{company|your company}}"


@pytest.fixture
def profile(bank) -> BookingProfile:
    """Alice's "Quick call" page: the bank's topic in 30 or 60 minutes, mornings only."""
    page = BookingProfile.objects.create(
        employee=bank.alice,
        slug="alice-quick",
        title="Quick call with Alice",
        durations=[30, 60],
        subject_template=SUBJECT,
        description_template="Prepared by {{name}}. Budget: {{budget|unknown}}",
        online_meeting_link="https://meet.example.com/bank-{reference}",
    )
    page.topics.set([bank.topic])
    ProfileHours.objects.bulk_create(
        ProfileHours(profile=page, weekday=d, start=time(9), end=time(12)) for d in range(5)
    )
    return page


def page_url(profile: BookingProfile) -> str:
    return reverse("booking:profile", args=[profile.slug])


def profile_hold(client, bank, start=TUESDAY_TEN, *, duration=30, slug="alice-quick", **extra):
    return hold(client, bank.topic, start, profile=slug, duration=duration, **extra)


def test_the_page_shows_owner_title_topics_and_durations(client, bank, profile):
    """The owner's name, the title, each topic with a form into the picker kept to the profile."""
    response = client.get(page_url(profile))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Quick call with Alice" in html
    assert "Alice" in html
    assert bank.topic.name in html
    assert 'name="profile" value="alice-quick"' in html
    assert 'value="30"' in html
    assert 'value="60"' in html
    assert reverse("booking:times", args=[bank.topic.pk]) in html


def test_an_unknown_profile_is_the_sites_404(client, db):
    """No profile under that address: 404, not a 500."""
    assert client.get("/p/nobody-here/").status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"active": False},
        {"active_until": date(2026, 5, 31)},
        {"active_from": date(2026, 6, 2)},
    ],
    ids=["switched-off", "ended", "not-yet-started"],
)
def test_a_closed_profile_answers_a_clear_404_page(client, profile, change):
    """Switched off or outside its period: 404 with a page that says the booking page is closed."""
    BookingProfile.objects.filter(pk=profile.pk).update(**change)
    response = client.get(page_url(profile))
    assert response.status_code == 404
    assert "This booking page is not open at the moment." in response.content.decode()


def test_the_picker_offers_only_the_profile_hours_and_duration(client, bank, profile):
    """Through the profile: 30-minute times inside 09-12; without it, the topic's whole day."""
    url = reverse("booking:times", args=[bank.topic.pk])
    query = "?type=online&employee=any&day=2026-06-02"
    inside = client.get(url + query + "&profile=alice-quick&duration=30").content.decode()
    outside = client.get(url + query).content.decode()
    assert "11:30" in inside
    assert "14:00" not in inside
    assert "14:00" in outside


@pytest.mark.parametrize(
    "query",
    ["profile=nobody", "profile=alice-quick&duration=45", "profile=alice-quick&duration=x"],
)
def test_a_bad_profile_or_duration_in_the_link_is_a_404(client, bank, profile, query):
    """An unknown profile or a duration it does not offer: 404, never a 500."""
    url = reverse("booking:times", args=[bank.topic.pk]) + "?type=online&employee=any&" + query
    assert client.get(url).status_code == 404


def test_a_time_outside_the_profile_hours_cannot_be_held(client, bank, profile):
    """14:00 is in Alice's hours but not the profile's: refused with a message, no hold."""
    response = profile_hold(client, bank, TUESDAY_TEN + timedelta(hours=4))
    assert response.status_code != 302
    assert not Meeting.objects.exists()


def test_booking_through_the_profile_asks_and_stores_its_fields(client, bank, profile):
    """The details page asks name/company/budget; the meeting keeps them, the profile, 30 min,
    its own link and the filled-in subject."""
    slot_id = held_slot_id(profile_hold(client, bank))
    html = client.get(reverse("booking:details", args=[slot_id])).content.decode()
    assert 'name="field_name"' in html
    assert 'name="field_company"' in html
    response = client.post(
        reverse("booking:details", args=[slot_id]),
        {
            **details_data(),
            **answers_for(bank.topic),
            "field_name": "  Carla  ",
            "field_company": "Acme",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get(time_slot_id=slot_id)
    assert meeting.profile == profile
    assert meeting.profile_fields == {"name": "Carla", "company": "Acme"}
    assert meeting.end - meeting.start == timedelta(minutes=30)
    assert meeting.subject == "Call with Carla about Acme"
    assert meeting.join_link == f"https://meet.example.com/bank-{meeting.reference}"
    confirmed = client.get(reverse("booking:confirmed", args=[meeting.reference])).content
    assert b"Call with Carla about Acme" in confirmed


def test_a_missing_required_field_is_named_and_nothing_is_booked(client, bank, profile):
    """Without {{name}}: the field shows an error, the hold stays, no meeting."""
    slot_id = held_slot_id(profile_hold(client, bank))
    response = client.post(
        reverse("booking:details", args=[slot_id]),
        {**details_data(), **answers_for(bank.topic), "field_company": "Acme"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_field_name_error"' in html
    assert not Meeting.objects.exists()


def test_choose_another_time_returns_to_the_profile_picker(client, bank, profile):
    """The details page's way back keeps the profile and the duration."""
    slot_id = held_slot_id(profile_hold(client, bank))
    html = client.get(reverse("booking:details", args=[slot_id])).content.decode()
    assert "profile=alice-quick" in html
    assert "duration=30" in html


def test_my_schedule_lists_own_and_team_profile_links(client, bank, profile):
    """The employee sees their profile's address and their team's, not other people's."""
    user = get_user_model().objects.create_user("alice", password="pw-alice-123")
    bank.alice.user = user
    bank.alice.save()
    team = Team.objects.create(name="Mortgage team")
    team.employees.set([bank.alice])
    team_page = BookingProfile.objects.create(team=team, slug="mortgage-team", title="Team")
    team_page.topics.set([bank.topic])
    BookingProfile.objects.create(employee=bank.bob, slug="bob-only", title="Bob's")
    client.force_login(user)
    html = client.get(reverse("booking:my_schedule")).content.decode()
    assert "http://testserver/p/alice-quick/" in html
    assert "http://testserver/p/mortgage-team/" in html
    assert "bob-only" not in html


@pytest.mark.parametrize(
    ("change", "status"),
    [
        # 01:00 on 2 June in Copenhagen is still 1 June, the last day, in New York.
        ({"active_until": date(2026, 6, 1)}, 200),
        # ... and not yet 2 June, the first day.
        ({"active_from": date(2026, 6, 2)}, 404),
    ],
    ids=["last-day-still-open", "first-day-not-yet"],
)
def test_the_page_opens_and_closes_on_the_employees_day(client, bank, profile, change, status):
    """The page's period is read in the employee's zone (New York), as the booking's day is,
    not in the site's zone."""
    bank.alice.timezone = "America/New_York"
    bank.alice.save()
    BookingProfile.objects.filter(pk=profile.pk).update(**change)
    with time_machine.travel(datetime(2026, 6, 1, 23, 0, tzinfo=UTC), tick=False):
        response = client.get(page_url(profile))
        times = client.get(
            reverse("booking:times", args=[bank.topic.pk])
            + "?type=online&employee=any&profile=alice-quick&duration=30"
        )
    assert response.status_code == status
    assert times.status_code == status


def test_a_team_page_offers_only_types_of_members_holding_the_topic(client, bank):
    """Bob meets in person but does not hold the topic; Alice holds it online only: the
    team's page offers the topic online only, never the in-person meeting nobody can give."""
    bank.alice.physical = False
    bank.alice.save()
    bank.topic.employees.set([bank.alice])
    team = Team.objects.create(name="Advisers")
    team.employees.set([bank.alice, bank.bob])
    page = BookingProfile.objects.create(team=team, slug="advisers", title="Advisers")
    page.topics.set([bank.topic])
    html = client.get(page_url(page)).content.decode()
    assert 'value="online"' in html
    assert 'value="physical"' not in html
