"""Content per language (config_data/translation.py): fallback, the migration's copy, the
kept catalog, history, emails, the admin and the import files."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import translation

from booking import catalog, emails, ical
from config_data.models import CustomerCategory, Location, MeetingTopic, Room, RoomFeature
from config_data.resources import RoomResource
from tests import factories

pytestmark = pytest.mark.django_db

TUESDAY_TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


def test_a_name_follows_the_active_language_with_english_as_fallback():
    """German where written; Danish missing falls back to English, not to an empty name."""
    topic = factories.topic(name="Mortgage advice")
    topic.name_de = "Hypothekenberatung"
    topic.save()
    with translation.override("de"):
        assert topic.name == "Hypothekenberatung"
    with translation.override("da"):
        assert topic.name == "Mortgage advice"
    with translation.override("en"):
        assert topic.name == "Mortgage advice"


def test_without_english_the_name_falls_back_to_any_language_written():
    """A row with only a Danish name (English emptied behind the admin's back) still shows."""
    category = CustomerCategory.objects.create(name="Private")
    CustomerCategory.objects.filter(pk=category.pk).update(name_en=None, name_da="Privat")
    category.refresh_from_db()
    with translation.override("en"):
        assert category.name == "Privat"
    with translation.override("de"):
        assert category.name == "Privat"


def test_an_object_created_in_another_language_fills_english_too():
    """Code that creates a topic while German is active still fills the required English."""
    with translation.override("de"):
        topic = factories.topic(name="Kredit")
    topic.refresh_from_db()
    assert topic.name_en == "Kredit"


def test_the_migration_copies_existing_texts_into_english():
    """0007 writes each untranslated value into its _en column and keeps one already set."""
    migration = importlib.import_module("config_data.migrations.0007_translations")
    state = MigrationLoader(connection).project_state(("config_data", "0007_translations"))
    location = factories.location(name="Harbour")
    topic = factories.topic(name="Loans", description="All about loans")
    kept = factories.room(location=location, name="Aros")
    Location.objects.filter(pk=location.pk).update(name_en=None)
    MeetingTopic.objects.filter(pk=topic.pk).update(name_en=None, description_en=None)
    with connection.cursor() as cursor:  # the old column, as it was before translations
        cursor.execute("UPDATE config_data_room SET name = 'Old' WHERE id = %s", [kept.pk])
    migration.copy_into_english(state.apps, None)  # data only: no schema editor needed
    location.refresh_from_db()
    topic.refresh_from_db()
    kept.refresh_from_db()
    assert (location.name_en, topic.name_en, topic.description_en) == (
        "Harbour",
        "Loans",
        "All about loans",
    )
    assert kept.name_en == "Aros"


def test_the_kept_catalog_shows_each_request_its_own_language():
    """booking/catalog.py keeps model instances across requests: reading `.name` in German
    after English gives German, the same instance again in English gives English."""
    topic = factories.topic(name="Pension check-up")
    topic.name_de = "Renten-Check"
    topic.save()
    catalog.forget()
    with translation.override("en"):
        kept = catalog.current().topics[topic.pk]
        assert kept.name == "Pension check-up"
    with translation.override("de"):
        assert catalog.current().topics[topic.pk] is kept  # the same snapshot
        assert kept.name == "Renten-Check"


def test_history_records_every_language():
    """A version in the admin's history keeps the German name as well."""
    topic = factories.topic(name="Savings")
    topic.name_de = "Sparen"
    topic.save()
    latest = topic.history.first()
    assert (latest.name_en, latest.name_de) == ("Savings", "Sparen")


def test_emails_and_the_invite_name_the_topic_in_the_meetings_language(world, frozen_clock):
    """A German booking: the confirmation and the .ics say the German topic name, the
    employee's copy (the site's language) the English one."""
    world.topic.name_de = "Hypothekenberatung"
    world.topic.save()
    meeting = factories.meeting(topic=world.topic, employee=world.alice, start=TUESDAY_TEN)
    meeting.language = "de"
    meeting.save(update_fields=["language"])
    customer = emails.meeting_email(
        meeting, "email/meeting_confirmed_customer", recipient=emails.CUSTOMER
    )
    assert "Hypothekenberatung" in customer.body
    assert "Hypothekenberatung" in ical.meeting_calendar(meeting).decode()
    employee = emails.meeting_email(
        meeting, "email/meeting_confirmed_employee", recipient=emails.EMPLOYEE
    )
    assert "Mortgage" in employee.body
    assert "Hypothekenberatung" not in employee.body


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        ("meetingtopic", ["name_en", "name_de", "name_da", "description_de"]),
        ("customercategory", ["name_en", "name_de", "name_da", "description_da"]),
        ("location", ["name_en", "name_de", "name_da"]),
        ("room", ["name_en", "name_de", "name_da"]),
        ("roomfeature", ["name_en", "name_de", "name_da"]),
    ],
)
def test_the_admin_edits_every_language_side_by_side(admin_client, model, fields):
    """Each language has its field; English is the required one; nothing from a CDN."""
    page = admin_client.get(reverse(f"admin:config_data_{model}_add"))
    form = page.context["adminform"].form
    assert set(fields) <= set(form.fields)
    assert "name" not in form.fields
    assert form.fields["name_en"].required
    assert not form.fields["name_de"].required
    html = page.content.decode()
    assert "googleapis" not in html
    assert "jquery-ui" not in html


def test_the_admin_saves_the_translations_and_requires_english(admin_client):
    """A feature saved with German and Danish names; without English it is refused."""
    url = reverse("admin:config_data_roomfeature_add")
    refused = admin_client.post(url, {"name_en": "", "name_de": "Bildschirm"})
    assert refused.status_code == 200
    assert "name_en" in refused.context["adminform"].form.errors
    assert not RoomFeature.objects.exists()
    saved = admin_client.post(url, {"name_en": "Screen", "name_de": "Bildschirm", "name_da": ""})
    assert saved.status_code == 302
    feature = RoomFeature.objects.get()
    assert (feature.name_en, feature.name_de, feature.name_da) == ("Screen", "Bildschirm", None)


def test_two_names_left_untranslated_do_not_collide(admin_client):
    """Names are unique per language, and an empty translation is NULL, not "": a second
    feature without a German name saves."""
    url = reverse("admin:config_data_roomfeature_add")
    for name in ("Screen", "Whiteboard"):
        assert admin_client.post(url, {"name_en": name, "name_de": ""}).status_code == 302
    assert RoomFeature.objects.filter(name_de__isnull=True).count() == 2


def test_room_files_carry_each_language_and_match_by_the_english_name():
    """Export has name_de/name_da; an import while German is active still finds the room
    by its English name (and location), updating its German name."""
    location = factories.location(name="Harbour")
    location.name_de = "Hafen"
    location.save()
    room = factories.room(location=location, name="Board room")
    dataset = RoomResource().export()
    assert {"name", "name_de", "name_da"} <= set(dataset.headers)
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert (row["location"], row["name"], row["name_de"]) == ("Harbour", "Board room", "")
    dataset[0] = [
        "Konferenzraum" if header == "name_de" else value
        for header, value in zip(dataset.headers, dataset[0], strict=True)
    ]
    with translation.override("de"):
        result = RoomResource().import_data(dataset, dry_run=False)
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert Room.objects.count() == 1
    room.refresh_from_db()
    assert (room.name_en, room.name_de, room.name_da) == ("Board room", "Konferenzraum", None)


def test_an_unknown_location_in_a_room_file_is_a_row_error():
    """A location named in no language is refused with its name, nothing is imported."""
    factories.location(name="Harbour")
    dataset = RoomResource().export()
    dataset.append(["Atlantis", "One", "", "", 2, "", 1, "", "", "", "", ""])
    result = RoomResource().import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert "Atlantis" in str(result.invalid_rows[0].error_dict["location"])
    assert not Room.objects.exists()
