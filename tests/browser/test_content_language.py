"""Issue 14, point 2 in a real browser: the landing page shows topic and category names in
the browser's language (German written, Danish falling back to English), at phone and
desktop width, with scripts on and checked by axe-core."""

from __future__ import annotations

import pytest

from config_data.models import CustomerCategory

pytestmark = pytest.mark.browser

PHONE, DESKTOP = 390, 1280


@pytest.fixture
def translated(bookable):
    """German names for the topic and the categories; Danish only for "Private"."""
    bookable.topic.name_de = "Hypothekenberatung"
    bookable.topic.description_de = "Ein Eigenheim kaufen: was Sie leihen können und wie."
    bookable.topic.save()
    private = CustomerCategory.objects.get(name_en="Private")
    private.name_de, private.name_da = "Privat", "Privatkunde"
    private.save()
    business = CustomerCategory.objects.get(name_en="Business")
    business.name_de = "Geschäftlich"
    business.save()
    return bookable


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_landing_page_in_german(new_page, translated, axe_check, width):
    """German topic, description and categories; no English name left; accessible."""
    page = new_page(language="de", width=width)
    page.goto("/")
    topic = page.locator(".topic-list h3").first
    assert topic.inner_text() == "Hypothekenberatung"
    assert "Ein Eigenheim kaufen" in page.locator(".topic-list").inner_text()
    switch = page.locator(".category-switch").inner_text()
    assert "Geschäftlich" in switch
    assert "Privat" in switch
    assert "Mortgage advice" not in page.content()
    axe_check(page, label=f"landing de {width}")


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_landing_page_in_danish_falls_back_to_english(new_page, translated, axe_check, width):
    """Danish where written ("Privatkunde"), English where not (the topic, "Business")."""
    page = new_page(language="da", width=width)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.locator(".topic-list h3").first.inner_text() == "Mortgage advice"
    switch = page.locator(".category-switch").inner_text()
    assert "Privatkunde" in switch
    assert "Business" in switch
    axe_check(page, label=f"landing da {width}")
