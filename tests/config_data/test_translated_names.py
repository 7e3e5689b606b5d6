"""Translated names are unique per language, and nothing reads the original `name` column,
which modeltranslation fills with whichever language was saved last."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from booking import reports
from booking.views.profiles import profile_topics
from config_data.models import (
    BookingProfile,
    CustomerCategory,
    Location,
    MeetingTopic,
    Room,
    RoomFeature,
)
from tests import factories

pytestmark = pytest.mark.django_db

TUESDAY_TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


def _topic(name: str) -> MeetingTopic:
    return factories.topic(name=name)


def _location(name: str) -> Location:
    return factories.location(name=name)


def _category(name: str) -> CustomerCategory:
    return CustomerCategory.objects.create(name=name)


def _feature(name: str) -> RoomFeature:
    return RoomFeature.objects.create(name=name)


def _room_maker() -> Callable[[str], Room]:
    location = factories.location(name="Harbour")
    return lambda name: factories.room(location=location, name=name)


MAKERS: dict[str, Callable[[], Callable[[str], Any]]] = {
    "topic": lambda: _topic,
    "location": lambda: _location,
    "category": lambda: _category,
    "feature": lambda: _feature,
    "room": _room_maker,
}


def raw_name(obj: Any) -> str:
    """The original column as stored, past modeltranslation's rewriting."""
    table = obj._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT name FROM "{table}" WHERE id = %s', [obj.pk])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_one_word_in_two_languages_of_two_rows_saves(kind):
    """Danish "Rente" on one row and German "Rente" on another: both save, though each save
    writes its language's name into the original column (the homonym that made a 500)."""
    make = MAKERS[kind]()
    first, second = make("Interest"), make("Pension")
    first.name_da = "Rente"
    second.name_de = "Rente"
    with translation.override("da"):
        first.save()
    with translation.override("de"):
        second.save()
    assert raw_name(first) == raw_name(second) == "Rente"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.name_en, second.name_en) == ("Interest", "Pension")


@pytest.mark.parametrize("kind", sorted(MAKERS))
@pytest.mark.parametrize("language", ["en", "de", "da"])
def test_a_name_taken_in_the_same_language_is_refused_by_the_database(kind, language):
    """Uniqueness is kept per language: a second row with the same German (or English, or
    Danish) name is an IntegrityError."""
    make = MAKERS[kind]()
    first, second = make("Interest"), make("Pension")
    setattr(first, f"name_{language}", "Rente")
    first.save()
    setattr(second, f"name_{language}", "Rente")
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_a_room_name_is_unique_per_location_and_language_only():
    """The same German room name in two locations saves; twice in one location it does not."""
    harbour, station = factories.location(name="Harbour"), factories.location(name="Station")
    one = factories.room(location=harbour, name="One")
    other = factories.room(location=station, name="Other")
    for room in (one, other):
        room.name_de = "Saal"
        room.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(location=harbour, name_en="Third", name_de="Saal")


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    return client


def test_the_admin_saves_a_name_another_row_has_in_another_language(admin_client):
    """A feature last saved in Danish as "Skærm": the admin (in English) adds "Skærm" as
    another feature's English name: saved, not a 500."""
    screen = RoomFeature.objects.create(name="Screen")
    screen.name_da = "Skærm"
    with translation.override("da"):
        screen.save()
    url = reverse("admin:config_data_roomfeature_add")
    response = admin_client.post(url, {"name_en": "Skærm", "name_de": "", "name_da": ""})
    assert response.status_code == 302
    assert RoomFeature.objects.filter(name_en="Skærm").exists()


def test_the_admin_names_the_field_of_a_name_taken_in_its_language(admin_client):
    """A German name another feature has: the form comes back with the error on name_de."""
    RoomFeature.objects.create(name_en="Screen", name_de="Bildschirm")
    url = reverse("admin:config_data_roomfeature_add")
    response = admin_client.post(url, {"name_en": "Display", "name_de": "Bildschirm"})
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["name_de"]
    assert RoomFeature.objects.count() == 1


def _saved_in_danish(obj: Any, danish: str) -> None:
    """Gives obj a Danish name and saves it while Danish is active: the original column
    then holds the Danish name."""
    obj.name_da = danish
    with translation.override("da"):
        obj.save()
    assert raw_name(obj) == danish


def test_the_report_names_topics_in_the_readers_language(world, frozen_clock):
    """A topic last saved in Danish: the report read in English says the English name, in
    German the German one; never the Danish left in the original column."""
    world.topic.name_de = "Hypothek"
    _saved_in_danish(world.topic, "Boliglån")
    factories.meeting(topic=world.topic, employee=world.alice, start=TUESDAY_TEN)
    locations = Location.objects.filter(pk=world.location.pk)
    for language, expected in (("en", "Mortgage"), ("de", "Hypothek")):
        with translation.override(language):
            report = reports.load_report(locations, date(2026, 6, 1), date(2026, 6, 7))
        assert [row.topic for row in report.rows] == [expected]


def test_the_reports_advisers_and_rooms_follow_the_branch_names_as_shown(frozen_clock):
    """Branches sorted by the shown name: "Aarhus" before "Borup" in English, though their
    Danish names, left in the original column, sort the other way round."""
    aarhus, borup = factories.location(name="Aarhus"), factories.location(name="Borup")
    _saved_in_danish(aarhus, "Zealand")
    _saved_in_danish(borup, "Ballerup")
    for location in (borup, aarhus):
        factories.employee(location=location, name=f"Adviser {location.name_en}")
        factories.room(location=location, name=f"Room {location.name_en}")
    with translation.override("en"):
        report = reports.load_report(
            Location.objects.filter(pk__in=[aarhus.pk, borup.pk]),
            date(2026, 6, 1),
            date(2026, 6, 7),
        )
    assert [a.name for a in report.advisers] == ["Adviser Aarhus", "Adviser Borup"]
    assert [r.name for r in report.rooms] == ["Room Aarhus", "Room Borup"]
    assert [a.branch for a in report.advisers] == ["Aarhus", "Borup"]


def test_a_profiles_topics_are_ordered_by_the_names_as_shown(world):
    """In Danish, two topics without a Danish name show their English one: the list is
    sorted by what is shown (Aaa, Alfa, Zulu), not with the untranslated ones at one end."""
    zulu = factories.topic(name="Zulu", employees=[world.alice])
    alfa = factories.topic(name="Beta", employees=[world.alice])
    alfa.name_da = "Alfa"
    alfa.save()
    aaa = factories.topic(name="Aaa", employees=[world.alice])
    page = BookingProfile.objects.create(slug="alice", title="Alice", employee=world.alice)
    page.topics.set([zulu, alfa, aaa])
    with translation.override("da"):
        shown = [topic.name for topic in profile_topics(page, [world.alice])]
    assert shown == ["Aaa", "Alfa", "Zulu"]
