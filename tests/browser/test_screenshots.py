"""The main steps of booking, photographed at phone and desktop width (issue 13, point 12).

Each page must fit its width (nothing wider than the screen, which a phone would scroll
sideways) and the picture must be a PNG of that width. The pictures go to a temporary
folder; `make screenshots` points BOOKME_SCREENSHOTS_DIR at docs/screenshots, where the
README shows them, so the documentation's pictures are the ones this test makes.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import pytest

from booking.models import Meeting

pytestmark = pytest.mark.browser

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
STEPS = ["1-topics", "2-options", "3-times", "4-details", "5-booked", "6-manage"]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header (the IHDR chunk follows the 8-byte signature)."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def folder(tmp_path) -> Path:
    target = Path(os.environ.get("BOOKME_SCREENSHOTS_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.mark.parametrize("size", list(WIDTHS))
def test_each_step_fits_the_screen_and_is_photographed(new_page, bookable, folder, size):
    """Topics, options, times, details, confirmation and the manage page, in English."""
    width, height = WIDTHS[size]
    page = new_page(width=width, height=height)
    shots: list[Path] = []

    def shoot(step: str) -> None:
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{step} at {width}px is {overflow}px wider than the screen"
        path = folder / f"{step}-{size}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        shots.append(path)

    page.goto("/")
    shoot("1-topics")
    page.get_by_role("link", name="Choose Mortgage advice").click()
    page.wait_for_url(re.compile(r"/book/\d+/(\?.*)?$"))
    shoot("2-options")
    page.get_by_label("Online", exact=True).check()
    page.get_by_role("button", name="Show free times").click()
    page.wait_for_url(re.compile(r"/times/"))
    shoot("3-times")
    page.locator("#picker-times").get_by_role("button").first.click()
    page.wait_for_url(re.compile(r"/hold/\d+/"))
    page.get_by_role("textbox", name="Your name", exact=True).fill("Carla Customer")
    page.get_by_role("textbox", name="Email", exact=True).fill("carla@example.com")
    shoot("4-details")
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/m/[\w-]+/booked/"))
    shoot("5-booked")
    page.goto(f"/m/{Meeting.objects.get().reference}/")
    shoot("6-manage")

    assert [p.name for p in shots] == [f"{step}-{size}.png" for step in STEPS]
    for path in shots:
        shot_width, shot_height = png_size(path)
        assert shot_width == width
        assert shot_height >= height
