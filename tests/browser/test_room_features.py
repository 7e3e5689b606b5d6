"""Issue 14, point 4 in a real browser: a customer asks for step-free access on the options
step, the picker offers only times with a free step-free room, and the held time's details
say so. At phone and desktop width, in English and German, with and without JavaScript;
axe-core checks the pages where scripts run."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from booking.models import TimeSlot
from config_data.models import RoomFeature
from tests import factories
from tests.browser.variants import VARIANTS, gettext_in

pytestmark = pytest.mark.browser

FEATURE = {"en": "Step-free access", "de": "Stufenloser Zugang"}


@pytest.fixture
def step_free_room(bookable):
    """A second room, the only one with step-free access (which customers may ask for)."""
    feature = RoomFeature.objects.create(
        name=FEATURE["en"], name_de=FEATURE["de"], customer_requestable=True
    )
    room = factories.room(location=bookable.location, name="Garden room")
    room.features.set([feature])
    return room


@pytest.mark.parametrize(("language", "width", "javascript"), VARIANTS)
def test_a_customer_asks_for_step_free_access_and_gets_that_room(
    new_page, axe_check, bookable, step_free_room, language, width, javascript
):
    """Ticked on the options step (kept when HTMX refreshes the form), carried by the
    picker, held in the step-free room and named on the details page."""
    t = gettext_in(language)
    feature = FEATURE[language]
    page = new_page(language=language, width=width, javascript=javascript)
    page.goto(reverse("booking:options", args=[bookable.topic.pk]))
    box = page.get_by_label(feature, exact=True)
    if javascript:
        # Online takes no room: HTMX drops the choice, and brings it back in person.
        page.get_by_label(t("Online"), exact=True).check()
        box.wait_for(state="detached")
        page.get_by_label(t("In person"), exact=True).check()
        box.wait_for()
    assert page.get_by_label(t("In person"), exact=True).is_checked()
    box.check()
    if javascript:
        page.wait_for_load_state("networkidle")  # the refresh after ticking keeps the tick
        assert box.is_checked()
        axe_check(page, label="options with a feature")

    page.get_by_role("button", name=t("Show free times")).click()
    page.wait_for_url(re.compile(r"/times/"))
    summary = page.locator(".page-head .summary").inner_text()
    assert f"{t('Room with')} {feature}" in " ".join(summary.split())
    if javascript:
        axe_check(page, label="times with a feature")

    times = page.locator("#picker-times").get_by_role("button")
    if times.count() == 0:
        page.locator("#month-next-free").click()
        times.first.wait_for()
    times.first.click()
    page.wait_for_url(re.compile(r"/hold/\d+/"))
    slot_id = int(re.search(r"/hold/(\d+)/", page.url).group(1))
    assert TimeSlot.objects.get(pk=slot_id).room_id == step_free_room.pk
    facts = page.locator("#room-features")
    assert " ".join(facts.inner_text().split()) == f"{t('Room with')} {feature} (Garden room)"
    if javascript:
        axe_check(page, label="details with a feature")
