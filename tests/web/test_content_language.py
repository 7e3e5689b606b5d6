"""Customer pages show topics, categories and questions in the visitor's language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.web.conftest import hold, times_url

pytestmark = pytest.mark.django_db

LANDING = reverse("booking:landing")


@pytest.fixture
def translated(bank):
    """German for the world's topic, its question and a category; Danish for nothing."""
    bank.topic.name_de = "Hypothekenberatung"
    bank.topic.description_en = "Buying a home."
    bank.topic.description_de = "Ein Eigenheim kaufen."
    bank.topic.save()
    question = bank.topic.information_questions.get()
    question.text_de = "Was ist der Zweck?"
    question.save()
    bank.private.name_de = "Privatkunden"
    bank.private.save()
    return bank


def in_language(client, code: str):
    response = client.post("/i18n/setlang/", {"language": code, "next": "/"})
    assert response.status_code == 302


def test_the_landing_page_in_german_shows_german_names(client, translated):
    """Topic name, description and category in German; the English ones are gone."""
    in_language(client, "de")
    html = client.get(LANDING, {"category": translated.private.pk}).content.decode()
    assert "<h3>Hypothekenberatung</h3>" in html
    assert "Ein Eigenheim kaufen." in html
    assert "Themen für Privatkunden" in html
    assert "<h3>Mortgage</h3>" not in html
    assert "Buying a home." not in html


def test_a_missing_danish_translation_falls_back_to_english(client, translated):
    """Danish is chosen but not written: the English name, never an empty heading."""
    in_language(client, "da")
    html = client.get(LANDING).content.decode()
    assert '<html lang="da">' in html
    assert "<h3>Mortgage</h3>" in html
    assert "Buying a home." in html
    assert "<h3></h3>" not in html


def test_english_and_german_visitors_each_see_their_own_language(client, translated):
    """One after the other, on the times page (which reads the kept catalog): no name
    stays behind from the previous visitor's language."""
    url = times_url(translated.topic)
    english = client.get(url).content.decode()
    assert "Mortgage" in english
    in_language(client, "de")
    german = client.get(url).content.decode()
    assert "Hypothekenberatung" in german
    assert "Mortgage" not in german
    in_language(client, "en")
    assert "Hypothekenberatung" not in client.get(url).content.decode()


def test_the_question_is_asked_in_german_and_falls_back_in_danish(client, translated):
    """The information question of the details step follows the language as well."""
    in_language(client, "de")
    held = hold(client, translated.topic)
    assert held.status_code == 302
    details = client.get(held["Location"]).content.decode()
    assert "Was ist der Zweck?" in details
    in_language(client, "da")
    assert "What is the purpose?" in client.get(held["Location"]).content.decode()


def test_categories_are_listed_in_the_order_of_the_names_shown(client, translated):
    """The switch orders categories by their German names, and an untranslated one by its
    English name instead of landing first or last (a NULL column sorts either way)."""
    youth = factories.category("Youth")
    youth.name_de = "Jugend"
    youth.save()
    factories.category("Zebra")
    in_language(client, "de")
    html = client.get(LANDING).content.decode()
    names = ["Business", "Jugend", "Privatkunden", "Zebra"]
    assert sorted(names, key=lambda name: html.index(f">{name}</a>")) == names
    in_language(client, "en")
    html = client.get(LANDING).content.decode()
    names = ["Business", "Private", "Youth", "Zebra"]
    assert sorted(names, key=lambda name: html.index(f">{name}</a>")) == names
