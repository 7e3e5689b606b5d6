"""Embed mode in a real browser (issue 13, point 9): a partner page on another site frames the
booking flow, books in it, and hears about the booking; an unlisted site cannot frame it.

The partner pages are served by the test on 127.0.0.1, the booking site (the live server)
on localhost: two sites, so the frame is third-party, as on a real partner's page. Phone and
desktop, with and without JavaScript, and a frame whose browser keeps no cookies at all.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import requests

from booking.models import Meeting

pytestmark = pytest.mark.browser

PARENT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Partner</title></head>
<body><h1>Partner bank</h1>
<iframe id="booking" src="{src}" title="Book a meeting" width="900" height="1000"></iframe>
<script>
  window.received = [];
  window.addEventListener("message", (event) => {{
    window.received.push({{origin: event.origin, data: event.data}});
  }});
</script></body></html>"""

# In the embedded frame only: records every postMessage to the parent with its target origin
# (the browser would drop a message to a non-matching origin silently, so this is the only
# way to see what the page tried to send), then sends it on unchanged.
SPY_ON_MESSAGES = """
if (window !== window.top && location.origin === "%s") {
  const realParent = window.parent;
  window.posted = [];
  window.parent = {
    postMessage(message, targetOrigin) {
      window.posted.push(targetOrigin);
      realParent.postMessage(message, targetOrigin);
    },
  };
}
"""


class ParentSite:
    """A partner's page on its own origin, with an iframe pointing at the booking site."""

    def __init__(self) -> None:
        self.src = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = PARENT_PAGE.format(src=site.src).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def parent_sites() -> Iterator[list[ParentSite]]:
    """Two partner pages on two origins: the first is listed, the second is not."""
    sites = [ParentSite(), ParentSite()]
    yield sites
    for site in sites:
        site.close()


# A listed origin with no page behind it: the message is addressed to it too, and dropped.
ABSENT_PARTNER = "https://partner.example"


@pytest.fixture
def embedding(site_settings, parent_sites):
    """The first parent site and ABSENT_PARTNER may frame; cookies as in production with
    partners (SameSite=None; Secure: chromium accepts Secure cookies from http://localhost)."""
    listed, _ = parent_sites
    site_settings.BOOKME_EMBED_ORIGINS = [listed.origin, ABSENT_PARTNER]
    site_settings.SESSION_COOKIE_SAMESITE = site_settings.CSRF_COOKIE_SAMESITE = "None"
    site_settings.SESSION_COOKIE_SECURE = site_settings.CSRF_COOKIE_SECURE = True
    return site_settings


def booking_frame(page):
    frame = page.frame(name=None, url=re.compile(r"^http://localhost:\d+/"))
    assert frame is not None, [f.url for f in page.frames]
    return frame


def refused_frames(page) -> list[str]:
    return [message for message in page.messages if "frame-ancestors" in message]


def open_parent(
    new_page,
    site: ParentSite,
    src: str,
    *,
    width: int = 1280,
    javascript: bool = True,
    spy: str = "",
    block_cookies_from: str = "",
):
    page = new_page(width=width, javascript=javascript)
    page.messages = []
    page.on("console", lambda message: page.messages.append(message.text))
    if spy:
        page.context.add_init_script(SPY_ON_MESSAGES % spy)
    if block_cookies_from:
        page.route(f"{block_cookies_from}/**", without_cookies)
    site.src = src
    page.goto(site.origin + "/")
    page.wait_for_load_state("load")
    return page


def tomorrow_noon(bookable) -> datetime:
    zone = ZoneInfo(bookable.location.timezone)
    day = datetime.now(zone).date() + timedelta(days=1)
    return datetime.combine(day, time(12), tzinfo=zone)


def hold_in_frame(frame, bookable, start: datetime) -> None:
    """Presses a time as the picker's form does: a POST navigation inside the frame, which
    needs the frame's session and CSRF cookies to reach the server."""
    action = f"/book/{bookable.topic.pk}/times/"
    frame.evaluate(
        """([action, start]) => {
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["x-csrftoken"];
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            const fields = {type: "online", employee: "any", start: start,
                            csrfmiddlewaretoken: token};
            for (const [name, value] of Object.entries(fields)) {
                const input = document.createElement("input");
                input.type = "hidden"; input.name = name; input.value = value;
                form.append(input);
            }
            document.body.append(form);
            form.submit();
        }""",
        [action, start.isoformat()],
    )


def assert_embedded(frame) -> None:
    frame.locator("body.is-embedded").wait_for()
    assert frame.locator("header.site-header").count() == 0
    assert frame.get_by_role("link", name="Open in a new tab").is_visible()


def walk_to_a_time(frame, *, javascript: bool) -> None:
    """Landing -> category -> topic -> options -> times, through the frame's own links and
    forms (HTMX swaps with JavaScript, plain navigations without), then presses the first
    free time; every page on the way stays embedded."""
    assert_embedded(frame)
    frame.get_by_role("link", name="Private", exact=True).click()
    frame.locator('[aria-current="true"]', has_text="Private").wait_for()
    assert_embedded(frame)
    frame.get_by_role("link", name="Choose Mortgage advice").click()
    frame.wait_for_url(re.compile(r"/book/\d+/"))
    assert_embedded(frame)
    frame.get_by_label("Online", exact=True).check()
    frame.get_by_role("button", name="Show free times").click()
    frame.wait_for_url(re.compile(r"/times/"))
    assert_embedded(frame)
    times = frame.locator("#picker-times").get_by_role("button")
    if times.count() == 0:
        frame.locator("#month-next-free").click()
        times.first.wait_for()
        assert_embedded(frame)
    times.first.click()


BOTH_WIDTHS_WITH_AND_WITHOUT_SCRIPTS = [
    pytest.param(390, True, id="phone-js"),
    pytest.param(1280, True, id="desktop-js"),
    pytest.param(390, False, id="phone-nojs"),
    pytest.param(1280, False, id="desktop-nojs"),
]


@pytest.mark.parametrize(("width", "javascript"), BOTH_WIDTHS_WITH_AND_WITHOUT_SCRIPTS)
def test_a_partner_books_in_the_frame_and_hears_about_it(
    new_page, live_server, embedding, bookable, parent_sites, width, javascript
):
    """In a third-party frame: every page of the flow is embedded (no header) without
    ?embed=1 after the first, holds and confirms with the frame's cookies; with scripts the
    partner page receives one bookme:booked message from our origin with reference, start
    and end (never the manage link), addressed only to the listed origins, never "*"."""
    listed, _ = parent_sites
    page = open_parent(
        new_page,
        listed,
        f"{live_server.url}/?embed=1",
        width=width,
        javascript=javascript,
        spy=live_server.url if javascript else "",
    )
    frame = booking_frame(page)
    walk_to_a_time(frame, javascript=javascript)
    frame.wait_for_url(re.compile(r"/hold/\d+/"))
    assert_embedded(frame)
    frame.get_by_role("textbox", name="Your name", exact=True).fill("Carla Customer")
    frame.get_by_role("textbox", name="Email", exact=True).fill("carla@example.com")
    frame.get_by_role("button", name="Confirm booking").click()
    frame.wait_for_url(re.compile(r"/m/[\w-]+/booked/"))
    assert_embedded(frame)
    meeting = Meeting.objects.get()
    assert meeting.customer.email == "carla@example.com"
    assert not refused_frames(page)
    if not javascript:
        return
    # The zone cookie bookme.js writes is kept in the partner's frame too.
    assert "bookme_tz=Europe/Copenhagen" in frame.evaluate("() => document.cookie")
    page.wait_for_function("() => window.received.length > 0")
    received = page.evaluate("() => window.received")
    assert received == [
        {
            "origin": live_server.url,
            "data": {
                "type": "bookme:booked",
                "reference": meeting.reference,
                "start": meeting.start.isoformat(),
                "end": meeting.end.isoformat(),
            },
        }
    ]
    assert frame.evaluate("() => window.posted") == [listed.origin, ABSENT_PARTNER]


def without_cookies(route) -> None:
    """Sends the frame's request on from outside the browser, without its cookies, and hands
    back the answer without Set-Cookie: a browser that keeps no cookies in a partner's frame
    (no third-party cookies, no partitioned ones). Playwright's own route.fetch would keep
    the cookies in the context, so plain HTTP it is."""
    request = route.request
    headers = {k: v for k, v in request.all_headers().items() if k.lower() != "cookie"}
    answer = requests.request(
        request.method,
        request.url,
        headers=headers,
        data=request.post_data_buffer,
        allow_redirects=False,
        timeout=10,
    )
    kept = {k: v for k, v in answer.headers.items() if k.lower() not in DROPPED_HEADERS}
    route.fulfill(status=answer.status_code, headers=kept, body=answer.content)


# Set-Cookie is the point; the others describe the body as it was on the wire.
DROPPED_HEADERS = {"set-cookie", "content-encoding", "content-length", "transfer-encoding"}


@pytest.mark.parametrize(("width", "javascript"), BOTH_WIDTHS_WITH_AND_WITHOUT_SCRIPTS)
def test_a_frame_without_cookies_stays_framed_and_offers_a_new_tab(
    new_page, live_server, embedding, bookable, parent_sites, width, javascript
):
    """No cookies in the frame: every page up to the times is still embedded page to page;
    the hold needs the session, so pressing a time is refused (the CSRF check), and that
    refusal is framed too and opens the same times in a new tab, where the site is normal."""
    listed, _ = parent_sites
    page = open_parent(
        new_page,
        listed,
        f"{live_server.url}/?embed=1",
        width=width,
        javascript=javascript,
        block_cookies_from=live_server.url,
    )
    frame = booking_frame(page)
    walk_to_a_time(frame, javascript=javascript)
    frame.get_by_role("heading", name="Please try again").wait_for()
    assert_embedded(frame)
    assert not refused_frames(page)
    assert Meeting.objects.count() == 0
    with page.expect_popup() as popup_info:
        frame.get_by_role("link", name="Open in a new tab").click()
    tab = popup_info.value
    tab.wait_for_load_state()
    assert re.search(r"/times/\?.*\btype=online\b", tab.url), tab.url
    assert "embed" not in tab.url
    assert tab.locator("header.site-header").count() == 1
    assert (
        tab.locator("#picker-times").get_by_role("button").count() > 0
        or tab.locator("#month-next-free").count() == 1
    )


@pytest.mark.parametrize(("width", "javascript"), BOTH_WIDTHS_WITH_AND_WITHOUT_SCRIPTS)
def test_the_language_switches_inside_the_frame(
    new_page, live_server, embedding, bookable, parent_sites, width, javascript
):
    """The embed bar has the language form: choosing German reloads the frame in German,
    still embedded (the frame keeps the language cookie)."""
    listed, _ = parent_sites
    page = open_parent(
        new_page,
        listed,
        f"{live_server.url}/book/{bookable.topic.pk}/?embed=1",
        width=width,
        javascript=javascript,
    )
    frame = booking_frame(page)
    assert_embedded(frame)
    frame.get_by_label("Language").select_option("de")
    if not javascript:
        frame.get_by_role("button", name="Change").click()
    frame.locator("html[lang='de']").wait_for(state="attached")
    frame.locator("body.is-embedded").wait_for()
    assert frame.get_by_role("link", name="In neuem Tab öffnen").is_visible()
    frame.goto(f"{live_server.url}/")
    frame.locator("html[lang='de']").wait_for(state="attached")
    assert not refused_frames(page)


def test_an_unlisted_site_cannot_frame_the_booking_pages(
    new_page, live_server, embedding, bookable, parent_sites
):
    """A site not in BOOKME_EMBED_ORIGINS gets the frame refused by frame-ancestors, so it
    sees no booking page and hears no message."""
    _, unlisted = parent_sites
    page = open_parent(new_page, unlisted, f"{live_server.url}/?embed=1")
    page.wait_for_timeout(500)
    assert refused_frames(page), page.messages
    assert not any(
        f.url.startswith(live_server.url) and f.locator("#main").count() for f in page.frames
    )
    assert page.evaluate("() => window.received") == []


def test_the_confirmation_in_an_unlisted_frame_sends_nothing(
    new_page, live_server, embedding, bookable, parent_sites
):
    """Even a confirmation page addressed directly is refused to an unlisted parent."""
    from tests import factories

    _, unlisted = parent_sites
    meeting = factories.meeting(
        topic=bookable.topic, employee=bookable.employee, start=tomorrow_noon(bookable)
    )
    page = open_parent(
        new_page, unlisted, f"{live_server.url}/m/{meeting.reference}/booked/?embed=1"
    )
    page.wait_for_timeout(500)
    assert refused_frames(page), page.messages
    assert page.evaluate("() => window.received") == []


def test_without_partners_no_site_may_frame(
    new_page, live_server, site_settings, bookable, parent_sites
):
    """The default (no origins): even ?embed=1 is refused in any frame."""
    listed, _ = parent_sites
    page = open_parent(new_page, listed, f"{live_server.url}/?embed=1")
    page.wait_for_timeout(500)
    assert refused_frames(page), page.messages


def test_the_embedded_landing_passes_axe(new_page, live_server, embedding, bookable, axe_check):
    """The embedded page itself (opened directly, with JavaScript) has no serious violation."""
    for width in (390, 1280):
        page = new_page(width=width)
        page.goto("/?embed=1")
        assert page.locator("body.is-embedded").count() == 1
        axe_check(page, label=f"embedded landing at {width}px")
