"""The configuration in the caller's language (Accept-Language), with every language listed."""

from __future__ import annotations

import pytest

from config_data.models import RoomFeature
from tests import factories

pytestmark = pytest.mark.django_db

TOPICS = "/api/bookme/meeting-topics"


@pytest.fixture
def translated(world):
    """The world's topic, location, rooms and a category with German names; no Danish."""
    world.topic.name_de = "Hypothekenberatung"
    world.topic.description_en = "Buying a home."
    world.topic.description_de = "Ein Eigenheim kaufen."
    world.topic.save()
    world.topic.information_questions.create(text="Your age?", text_de="Ihr Alter?")
    world.location.name_de = "Kopenhagen"
    world.location.save()
    world.big_room.name_de = "Großer Raum"
    world.big_room.save()
    screen = RoomFeature.objects.create(name="Screen", name_de="Bildschirm")
    world.big_room.features.add(screen)
    category = factories.category("Private")
    category.name_de = "Privat"
    category.save()
    return world


def german(caller, path, data=None):
    return caller.http.get(path, data, headers={**caller.headers, "Accept-Language": "de"})


def test_topics_answer_in_the_language_of_accept_language(translated, caller):
    """Accept-Language: de gives the German name, description and question text."""
    [topic] = german(caller, TOPICS, {"isCustomer": "true"}).json()
    assert topic["name"] == "Hypothekenberatung"
    assert topic["description"] == "Ein Eigenheim kaufen."
    assert topic["informationQuestions"][0]["text"] == "Ihr Alter?"


def test_without_accept_language_the_answer_is_english_and_unchanged(translated, caller):
    """No header: the fields seed 001 defines keep their English values."""
    [topic] = caller.get(TOPICS, {"isCustomer": "true"}).json()
    assert topic["name"] == "Mortgage"
    assert topic["description"] == "Buying a home."


def test_every_language_a_text_is_written_in_is_listed(translated, caller):
    """nameI18nList lists the languages filled in, in the site's order; none is invented."""
    [topic] = german(caller, TOPICS, {"isCustomer": "true"}).json()
    assert topic["nameI18nList"] == [
        {"language": "en", "value": "Mortgage"},
        {"language": "de", "value": "Hypothekenberatung"},
    ]
    assert topic["descriptionI18nList"] == [
        {"language": "en", "value": "Buying a home."},
        {"language": "de", "value": "Ein Eigenheim kaufen."},
    ]
    assert topic["informationQuestions"][0]["textI18nList"] == [
        {"language": "en", "value": "Your age?"},
        {"language": "de", "value": "Ihr Alter?"},
    ]


def test_a_missing_translation_falls_back_to_english(translated, caller):
    """Danish is asked for but not written: the English name, and no "da" entry."""
    response = caller.http.get(
        TOPICS, {"isCustomer": "true"}, headers={**caller.headers, "Accept-Language": "da"}
    )
    [topic] = response.json()
    assert topic["name"] == "Mortgage"
    assert "da" not in {entry["language"] for entry in topic["nameI18nList"]}


def test_an_unknown_language_answers_in_english(translated, caller):
    """A language the site does not speak (and a malformed header) is English, not an error."""
    for header in ("fr-FR,fr;q=0.9", "%%%;q=x"):
        response = caller.http.get(
            TOPICS, {"isCustomer": "true"}, headers={**caller.headers, "Accept-Language": header}
        )
        assert response.status_code == 200
        assert response.json()[0]["name"] == "Mortgage"


def test_categories_locations_and_rooms_follow_the_language_too(translated, caller):
    """Customer types, rooms (with their location and features) and employees' locations."""
    [category] = german(caller, "/api/config/customer-types").json()
    assert category["name"] == "Privat"
    assert category["nameI18nList"] == [
        {"language": "en", "value": "Private"},
        {"language": "de", "value": "Privat"},
    ]
    rooms = german(caller, "/api/config/rooms").json()
    # In the German order: "Großer Raum" before "Small" (English order: "Big", "Small").
    assert [room["name"] for room in rooms] == ["Großer Raum", "Small"]
    assert rooms[0]["features"] == ["Bildschirm"]
    assert rooms[0]["location"]["name"] == "Kopenhagen"
    assert rooms[1]["nameI18nList"] == [{"language": "en", "value": "Small"}]
    employees = german(caller, "/api/config/employees").json()
    assert {e["location"]["name"] for e in employees} == {"Kopenhagen"}


def test_the_language_lists_are_in_the_openapi_document(client):
    """Integrators can see the new lists and their entries' shape."""
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert "nameI18nList" in schema["MeetingTopicOut"]["properties"]
    assert "nameI18nList" in schema["RoomOut"]["properties"]
    assert set(schema["TranslationOut"]["properties"]) == {"language", "value"}
