"""Issue 13, points 1, 2 and 10 in a real browser: the topics show at once under a
category switch that is remembered; a topic with one choice skips the options step; the
options default to the branch used last; "Book again" preselects the adviser met last.
At phone and desktop width, in English and German, with and without JavaScript; axe-core
checks the pages where scripts run."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone, translation

from booking.models import Customer
from config_data.models import CustomerCategory
from tests import factories
from tests.browser.variants import VARIANTS, gettext_in

pytestmark = pytest.mark.browser

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
EVERY_DAY = [(day, time(7), time(21)) for day in range(7)]


def current_category(page):
    return page.locator('.category-switch [aria-current="true"]')


def switch_names(page) -> list[str]:
    """The categories in the switch, in the order shown (the admin's)."""
    return page.locator(".category-switch a").all_inner_texts()


def choose_category(page, name: str, *, javascript: bool) -> None:
    """Presses a category in the switch: an HTMX swap with scripts, a page load without."""
    page.get_by_role("link", name=name, exact=True).click()
    current_category(page).filter(has_text=name).wait_for()
    assert re.search(r"/\?category=\d+$", page.url)  # pushed, or simply followed


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS)
def test_topics_show_at_once_and_the_category_is_remembered(
    new_page, axe_check, bookable, language, width, javascript
):
    """The first category's topics show without asking; the switch changes them (HTMX swaps
    only the topics, keeping the focus on the switch) and coming back shows the same."""
    t = gettext_in(language)
    for category in CustomerCategory.objects.all():  # a topic open to this category only
        factories.topic(
            name=f"Only {category.name}", categories=[category], employees=[bookable.employee]
        )
    page = new_page(language=language, width=width, javascript=javascript)
    page.goto("/")
    first, other = switch_names(page)
    assert sorted([first, other]) == ["Business", "Private"]
    assert current_category(page).inner_text() == first
    topics = page.locator("#topics")
    assert topics.get_by_role("heading", name=f"Only {first}").is_visible()
    assert topics.get_by_role("heading", name=f"Only {other}").count() == 0
    card = page.locator(".topic", has_text="Mortgage advice")
    assert card.get_by_text("Buying a home: what you can borrow and how.").is_visible()
    assert f"{t('In person')}, {t('Online')}" in card.inner_text()
    with translation.override(language):
        minutes = translation.ngettext("%(minutes)s minute", "%(minutes)s minutes", 30)
    assert minutes % {"minutes": 30} in card.locator(".meta").inner_text()
    if javascript:  # axe-core runs as a script: only where scripts run
        axe_check(page, label=f"landing {language} {width}")

    if javascript:
        page.locator("html").evaluate("html => { html.dataset.before = 'yes'; }")
    choose_category(page, other, javascript=javascript)
    assert topics.get_by_role("heading", name=f"Only {other}").is_visible()
    assert topics.get_by_role("heading", name=f"Only {first}").count() == 0
    if javascript:
        # Swapped, not reloaded: the page keeps its marker, and the pressed link the focus.
        assert page.locator("html").get_attribute("data-before") == "yes"
        other_pk = CustomerCategory.objects.get(name=other).pk
        assert page.evaluate("() => document.activeElement.id") == f"category-{other_pk}"
        axe_check(page, label=f"landing switched {language} {width}")

    page.goto("/")
    assert current_category(page).inner_text() == other
    assert topics.get_by_role("heading", name=f"Only {other}").is_visible()


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS)
def test_a_topic_with_one_choice_skips_the_options(
    new_page, axe_check, bookable, language, width, javascript
):
    """Online only, one adviser: "Choose" opens the picker; "Change options" still opens
    the options step, with the one choice made."""
    t = gettext_in(language)
    topic = factories.topic(
        name="Online check",
        employees=[bookable.employee],
        physical=False,
        duration=30,
        minimum_notice=180,
    )
    page = new_page(language=language, width=width, javascript=javascript)
    page.goto("/")
    page.get_by_role("link", name=f"{t('Choose')} Online check").click()
    page.wait_for_url(re.compile(rf"/book/{topic.pk}/times/\?.*type=online"))
    assert page.get_by_role("link", name=t("Change options")).is_visible()
    if javascript:  # axe-core runs as a script: only where scripts run
        axe_check(page, label=f"times skipped options {language} {width}")
    page.get_by_role("link", name=t("Change options")).click()
    page.wait_for_url(re.compile(rf"/book/{topic.pk}/\?"))
    assert page.get_by_label(t("Online"), exact=True).is_checked()
    assert page.get_by_role("button", name=t("Show free times")).is_visible()


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS)
def test_the_options_default_to_the_branch_used_last(
    new_page, axe_check, bookable, language, width, javascript
):
    """The select shows the first branch at first; once the customer looked for times at
    the other one, the options preselect that one the next time."""
    t = gettext_in(language)
    aarhus = factories.location(name="Aarhus", opening=None)
    factories.room(location=aarhus, name="Aarhus room")
    bookable.topic.employees.add(
        factories.employee(location=aarhus, name="Bo Aarhus", hours=EVERY_DAY)
    )
    page = new_page(language=language, width=width, javascript=javascript)

    def open_options() -> None:
        page.goto("/")
        page.get_by_role("link", name=f"{t('Choose')} Mortgage advice").click()
        page.wait_for_url(re.compile(rf"/book/{bookable.topic.pk}/"))

    open_options()
    branch = page.get_by_label(t("Branch"))
    assert page.get_by_label(t("In person"), exact=True).is_checked()  # first in the order
    shown_first = branch.locator("option").first.get_attribute("value")
    assert branch.input_value() == shown_first
    other = next(pk for pk in (aarhus.pk, bookable.location.pk) if str(pk) != shown_first)
    other_adviser = "Bo Aarhus" if other == aarhus.pk else "Alice Adviser"
    if javascript:  # axe-core runs as a script: only where scripts run
        axe_check(page, label=f"options {language} {width}")
    branch.select_option(str(other))
    if javascript:  # HTMX narrows the advisers to the branch
        advisers = page.get_by_label(t("With whom?")).locator("option")
        assert advisers.filter(has_text=other_adviser).count() == 1
        advisers.filter(has_not_text=other_adviser).nth(1).wait_for(state="detached")
    page.get_by_role("button", name=t("Show free times")).click()
    page.wait_for_url(re.compile(rf"location={other}"))

    open_options()
    assert page.get_by_label(t("Branch")).input_value() == str(other)


@pytest.fixture
def met_bob(bookable, live_server):
    """A signed-in customer who met Bob (not Alice) about the topic yesterday, with the
    session cookie of that account (signed in); both advisers hold the topic."""
    bob = factories.employee(location=bookable.location, name="Bob Banker", hours=EVERY_DAY)
    bookable.topic.employees.add(bob)
    user = get_user_model().objects.create_user("carla", "carla@example.com", "pw")
    day = timezone.now().astimezone(COPENHAGEN).date() - timedelta(days=1)
    start = datetime.combine(day, time(10), tzinfo=COPENHAGEN)
    meeting = factories.meeting(
        topic=bookable.topic,
        employee=bob,
        start=start,
        now=start - timedelta(days=1),
        customer_email="carla@example.com",
        customer_category=CustomerCategory.objects.get(name="Private"),
    )
    Customer.objects.filter(pk=meeting.customer_id).update(user=user)
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return bob, {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": live_server.url}


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS)
def test_book_again_preselects_the_adviser_met_last(
    new_page, axe_check, bookable, met_bob, language, width, javascript
):
    """My meetings' "Book again" opens the options with Bob preselected (not "any")."""
    t = gettext_in(language)
    bob, session_cookie = met_bob
    page = new_page(language=language, width=width, javascript=javascript)
    page.context.add_cookies([session_cookie])
    page.goto("/me/meetings/")
    with translation.override(language):
        name = translation.gettext("Book %(topic)s again") % {"topic": "Mortgage advice"}
    page.get_by_role("link", name=name).click()
    page.wait_for_url(re.compile(rf"/book/{bookable.topic.pk}/\?category=\d+$"))
    assert page.get_by_label(t("With whom?")).input_value() == str(bob.pk)
    if javascript:  # axe-core runs as a script: only where scripts run
        axe_check(page, label=f"book again {language} {width}")
