"""Booking profiles and teams: constraints in the database, validation with named fields,
the {{variables}} syntax, and the catalog triggers on the new tables."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from config_data import triggers
from config_data.admin.profiles import BookingProfileForm
from config_data.models import BookingProfile, ProfileHours, Team
from config_data.profile_text import ProfileField, render_template, template_errors, template_fields
from config_data.profiles import topics_outside_owner
from tests import factories


def profile(**kwargs) -> BookingProfile:
    return BookingProfile(slug=kwargs.pop("slug", "page"), title="Page", **kwargs)


# --- the template syntax (pure) -----------------------------------------------------------


def test_variables_are_fields_in_order_required_unless_defaulted():
    """{{name}} is required, {{company|x}} optional with its default; repeats count once."""
    fields = template_fields(["Call with {{name}} about {{ Company | ACME }}", "{{name}} again"])
    assert fields == [
        ProfileField(name="name", required=True),
        ProfileField(name="company", required=False, default="ACME"),
    ]
    assert fields[1].label == "Company"


def test_an_empty_default_makes_a_field_optional():
    """{{note|}}: optional, nothing stands there when left empty."""
    assert template_fields(["{{note|}}"]) == [ProfileField(name="note", required=False)]
    assert render_template("Note: {{note|}}.", {}) == "Note: ."


def test_render_fills_values_then_defaults_and_escapes_nothing():
    """Values win, defaults fill gaps, HTML stays as given (templates escape it)."""
    text = "Call with {{name}} about {{company|your company}}"
    assert render_template(text, {"name": "<b>Carla</b>"}) == (
        "Call with <b>Carla</b> about your company"
    )
    assert render_template(text, {"name": "Carla", "company": "Acme"}) == (
        "Call with Carla about Acme"
    )


def test_malformed_placeholders_are_named_and_left_as_written():
    """{{ 1x }} and {{two words}} are no variables: named by the check, untouched by render."""
    assert template_errors("Hi {{ 1x }} and {{two words}} and {{ok}}") == [
        "{{ 1x }}",
        "{{two words}}",
    ]
    assert render_template("Hi {{ 1x }}", {}) == "Hi {{ 1x }}"
    assert template_fields(["{{ 1x }} {{ok}}"]) == [ProfileField(name="ok", required=True)]


# --- the database's constraints ------------------------------------------------------------


@pytest.mark.parametrize("owners", ["neither", "both"])
def test_exactly_one_owner_is_a_database_constraint(world, owners):
    """No owner or two owners: the database refuses the row, whatever wrote it."""
    team = Team.objects.create(name="Advisers")
    values = {} if owners == "neither" else {"employee": world.alice, "team": team}
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingProfile.objects.create(slug="x", title="X", **values)


def test_a_period_ending_before_it_starts_is_refused_by_the_database(world):
    """active_until before active_from: an IntegrityError."""
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingProfile.objects.create(
            slug="x",
            title="X",
            employee=world.alice,
            active_from=date(2026, 6, 2),
            active_until=date(2026, 6, 1),
        )


def test_a_one_day_period_is_allowed(world):
    """From and until the same day: a valid period."""
    page = BookingProfile.objects.create(
        slug="x",
        title="X",
        employee=world.alice,
        active_from=date(2026, 6, 2),
        active_until=date(2026, 6, 2),
    )
    assert page.is_open_on(date(2026, 6, 2))
    assert not page.is_open_on(date(2026, 6, 3))


def test_profile_hours_must_start_before_they_end(world):
    """A weekly interval 12-10 is refused by the database and by clean() on its field."""
    page = BookingProfile.objects.create(slug="x", title="X", employee=world.alice)
    hours = ProfileHours(profile=page, weekday=0, start=time(12), end=time(10))
    with pytest.raises(ValidationError) as caught:
        hours.full_clean()
    assert "end" in caught.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        hours.save()


# --- validation with messages on the fields ------------------------------------------------


def test_clean_names_the_missing_owner_and_the_reversed_period(world):
    """The constraints again as field errors, for the admin's form."""
    with pytest.raises(ValidationError) as caught:
        profile().full_clean(exclude=["topics"])
    assert "employee" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        profile(
            employee=world.alice, active_from=date(2026, 6, 2), active_until=date(2026, 6, 1)
        ).full_clean()
    assert "active_until" in caught.value.message_dict


@pytest.mark.parametrize(
    "durations",
    [[0], [-30], [30, 30], ["30"], [30.5], "30", [24 * 60 + 1], list(range(1, 10))],
    ids=["zero", "negative", "repeated", "text", "fraction", "not-a-list", "too-long", "too-many"],
)
def test_bad_durations_are_refused_on_their_field(world, durations):
    """Each duration a whole number of minutes from 1 to a day, distinct, at most eight."""
    with pytest.raises(ValidationError) as caught:
        profile(employee=world.alice, durations=durations).full_clean()
    assert list(caught.value.message_dict) == ["durations"]


def test_good_durations_and_an_empty_list_pass(world):
    """[30, 60] and [] (each topic's own duration) are valid."""
    profile(employee=world.alice, durations=[30, 60]).full_clean()
    profile(employee=world.alice, durations=[], slug="other").full_clean()


def test_a_malformed_variable_is_named_on_its_template(world):
    """{{two words}} in the subject: the subject's error quotes it."""
    with pytest.raises(ValidationError) as caught:
        profile(employee=world.alice, subject_template="Hi {{two words}}").full_clean()
    assert "{{two words}}" in caught.value.message_dict["subject_template"][0]


def test_too_many_variables_are_refused(world):
    """Eleven variables are more than a customer should fill in: refused."""
    text = " ".join(f"{{{{v{n}}}}}" for n in range(11))
    with pytest.raises(ValidationError) as caught:
        profile(employee=world.alice, description_template=text).full_clean()
    assert "description_template" in caught.value.message_dict


@pytest.mark.parametrize(
    ("link", "valid"),
    [
        ("https://meet.example.com/room-{reference}", True),
        ("https://meet.example.com/fixed", True),
        ("https://meet.example.com/{room}", False),
        ("not a url {reference}", False),
        ("javascript:alert(1)", False),
    ],
)
def test_the_online_link_is_a_url_with_only_reference_as_placeholder(world, link, valid):
    """A fixed URL or one with {reference}; another placeholder or scheme is refused."""
    page = profile(employee=world.alice, online_meeting_link=link)
    if valid:
        page.full_clean()
        assert page.meeting_link("abc") == link.replace("{reference}", "abc")
    else:
        with pytest.raises(ValidationError) as caught:
            page.full_clean()
        assert "online_meeting_link" in caught.value.message_dict


def test_the_admin_form_refuses_topics_the_owner_does_not_hold(world):
    """A topic only Bob holds on Alice's profile: an error on topics naming it."""
    bobs = factories.topic(name="Bob's topic", employees=[world.bob])
    assert topics_outside_owner([bobs, world.topic], [world.alice]) == [bobs]
    form = BookingProfileForm(
        data={
            "title": "Alice",
            "slug": "alice",
            "employee": world.alice.pk,
            "topics": [bobs.pk, world.topic.pk],
            "durations": "[]",
            "active": "on",
        }
    )
    assert not form.is_valid()
    assert "Bob's topic" in form.errors["topics"][0]


def test_the_admin_form_accepts_a_team_topic_any_member_holds(world):
    """A team of Alice and Bob may offer Bob's topic."""
    bobs = factories.topic(name="Bob's topic", employees=[world.bob])
    team = Team.objects.create(name="Both")
    team.employees.set([world.alice, world.bob])
    form = BookingProfileForm(
        data={
            "title": "Team",
            "slug": "team",
            "team": team.pk,
            "topics": [bobs.pk],
            "durations": "[]",
            "active": "on",
        }
    )
    assert form.is_valid(), form.errors


def test_the_new_tables_have_the_catalog_triggers(db):
    """Profiles, their hours and teams renew the configuration token like every table."""
    tables = triggers.configuration_tables(apps)
    new = [t for t in tables if "profile" in t or "team" in t]
    assert len(new) == 5
    with connection.cursor() as cursor:
        for table in new:
            assert triggers.installed(connection.vendor, cursor, table), table


def test_the_admin_lists_and_edits_profiles_with_their_hours(world, admin_client):
    """The profile's list shows its page link; its change page has the hours inline; a team
    page lists its employees."""
    page = BookingProfile.objects.create(slug="alice", title="Alice's page", employee=world.alice)
    listing = admin_client.get("/admin/config_data/bookingprofile/").content.decode()
    assert 'href="/p/alice/"' in listing
    change = admin_client.get(f"/admin/config_data/bookingprofile/{page.pk}/change/")
    assert change.status_code == 200
    assert "hours-TOTAL_FORMS" in change.content.decode()
    assert admin_client.get("/admin/config_data/team/add/").status_code == 200


def test_the_admin_form_does_not_count_an_inactive_member(world):
    """Only Bob holds the topic and Bob no longer takes bookings: the team's profile may not
    offer it (nobody could be booked), the same owners a booking lands with."""
    bobs = factories.topic(name="Bob's topic", employees=[world.bob])
    world.bob.active = False
    world.bob.save()
    team = Team.objects.create(name="Both")
    team.employees.set([world.alice, world.bob])
    form = BookingProfileForm(
        data={
            "title": "Team",
            "slug": "team",
            "team": team.pk,
            "topics": [bobs.pk],
            "durations": "[]",
            "active": "on",
        }
    )
    assert not form.is_valid()
    assert "Bob's topic" in form.errors["topics"][0]


@pytest.mark.parametrize("name", ["active_from", "active_until"])
def test_the_period_says_it_limits_the_page_and_the_meeting_days(name):
    """Staff read in the help text that the period opens the page and bounds the meetings'
    days, counted in the employee's time zone."""
    help_text = str(BookingProfile._meta.get_field(name).help_text)
    assert "page" in help_text
    assert "meeting" in help_text
    assert "time zone" in help_text
