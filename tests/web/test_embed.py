"""Embed mode (issue 13, point 9): booking pages in a partner's iframe, allowed origins only.

Embed mode is decided for each request on its own (no session): `?embed=1`, a frame's
navigation (Sec-Fetch-Dest: iframe), or the X-Bookme-Embed header that embedded pages give
their HTMX requests; a browser without fetch metadata keeps `embed=1` in its addresses.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from booking import services
from booking.actors import Actor
from booking.models import MeetingStatus
from tests.web.conftest import TUESDAY_TEN, book, hold

PARTNER = "https://partner.example"
OTHER_PARTNER = "http://localhost:8001"
FRAME = {"Sec-Fetch-Dest": "iframe"}
TOP_LEVEL = {"Sec-Fetch-Dest": "document"}
HTMX = {"Sec-Fetch-Dest": "empty", "HX-Request": "true"}
FRAME_COOKIES = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)


@pytest.fixture
def partners(settings):
    """Two partner origins may frame the booking pages."""
    settings.BOOKME_EMBED_ORIGINS = [PARTNER, OTHER_PARTNER]
    return settings.BOOKME_EMBED_ORIGINS


@pytest.fixture
def frame_client() -> Client:
    """A browser tab whose requests are navigations inside an iframe."""
    return Client(headers=FRAME)


@pytest.fixture
def old_browser() -> Client:
    """A browser that sends no fetch metadata (no Sec-Fetch-Dest) at all."""
    return Client()


def frame_ancestors(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    match = re.search(r"frame-ancestors ([^;]*)", policy)
    assert match, policy
    return match.group(1).split()


def assert_embedded(response, origins: list[str]) -> None:
    html = response.content.decode()
    assert frame_ancestors(response) == origins
    assert "X-Frame-Options" not in response.headers
    assert 'class="site-header"' not in html
    assert 'class="site-footer"' not in html
    assert 'class="is-embedded"' in html


def assert_not_framable(response) -> None:
    html = response.content.decode()
    assert frame_ancestors(response) == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert 'class="is-embedded"' not in html


def way_out(response) -> str:
    html = unescape(response.content.decode())
    link = re.search(r'<div class="embed-bar[^"]*">\s*<a href="([^"]+)" target="_blank"', html)
    assert link, html[:2000]
    return link.group(1)


def hold_data() -> dict[str, str]:
    """The picker's form for one time, as its button sends it."""
    return {"type": "online", "employee": "any", "start": TUESDAY_TEN.isoformat()}


def options_url(bank) -> str:
    return reverse("booking:options", args=[bank.topic.pk])


def test_embed_needs_configured_origins(client, bank):
    """Without BOOKME_EMBED_ORIGINS, ?embed=1 changes nothing: header shown, framing refused."""
    response = client.get("/?embed=1", headers=FRAME)
    assert response.status_code == 200
    assert_not_framable(response)
    assert 'class="site-header"' in response.content.decode()


def test_embed_page_lists_exactly_the_allowed_origins(client, bank, partners):
    """?embed=1: no header or footer; frame-ancestors names the partners; no X-Frame-Options;
    caches keep the framable and the normal answer apart."""
    response = client.get("/?embed=1")
    assert response.status_code == 200
    assert_embedded(response, partners)
    assert "Sec-Fetch-Dest" in response.headers["Vary"]
    assert "X-Bookme-Embed" in response.headers["Vary"]
    assert "Open in a new tab" in response.content.decode()


def test_the_way_out_drops_the_embed_flag(client, bank, partners):
    """The "Open in a new tab" link keeps the page's choices but not ?embed=1."""
    response = client.get(options_url(bank) + f"?category={bank.private.pk}&embed=1")
    assert way_out(response) == options_url(bank) + f"?category={bank.private.pk}"


def test_the_way_out_of_a_held_time_leads_to_the_start(frame_client, bank, partners):
    """A hold lives in the frame's session, which a new tab does not share: from the hold
    page the way out opens the start page, not a /hold/ address that would be a 404 there."""
    response = hold(frame_client, bank.topic, TUESDAY_TEN)
    assert response.status_code == 302
    page = frame_client.get(response["Location"])
    assert page.status_code == 200
    assert_embedded(page, partners)
    assert way_out(page) == reverse("booking:landing")
    assert Client().get(way_out(page)).status_code == 200


def test_a_frame_navigation_is_embedded_without_any_session(bank, partners):
    """Each request decides alone: a frame's navigation to any booking page is embedded even
    in a browser that keeps no cookies, and nothing about embed mode goes into the session."""
    for path in ("/", options_url(bank), reverse("booking:details", args=[999999])):
        response = Client(headers=FRAME).get(path)
        assert_embedded(response, partners)
        assert "bookme_embed" not in response.client.session


def test_a_top_level_tab_is_never_embedded_by_an_earlier_frame(frame_client, bank, partners):
    """The same browser's top-level tab gets the normal, unframable page after ?embed=1 in a
    frame, also for HTMX requests (a history restore) that carry no embed header."""
    assert_embedded(frame_client.get("/?embed=1"), partners)
    assert_not_framable(frame_client.get(options_url(bank), headers=TOP_LEVEL))
    restore = frame_client.get(
        options_url(bank), headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert_not_framable(restore)
    assert 'class="site-header"' in restore.content.decode()


def test_htmx_requests_of_an_embedded_page_say_so_in_a_header(frame_client, bank, partners):
    """Embedded pages give HTMX requests X-Bookme-Embed: 1 (hx-headers on <body>), and such a
    request is answered embedded; normal pages send no such header."""
    html = unescape(frame_client.get(options_url(bank)).content.decode())
    headers = re.search(r"<body hx-headers='([^']*)'", html)
    assert headers, html[:1500]
    assert '"X-Bookme-Embed": "1"' in headers.group(1)
    assert "data-embedded" in html
    swap = Client().get(options_url(bank), headers={**HTMX, "X-Bookme-Embed": "1"})
    assert frame_ancestors(swap) == partners
    normal = Client().get(options_url(bank), headers=TOP_LEVEL).content.decode()
    assert "X-Bookme-Embed" not in normal
    assert "data-embedded" not in normal


def test_a_wrong_embed_value_changes_nothing(bank, partners):
    """Only embed=1 and X-Bookme-Embed: 1 count; other values give the normal page."""
    assert_not_framable(Client().get("/?embed=yes", headers=TOP_LEVEL))
    assert_not_framable(Client().get("/", headers={**HTMX, "X-Bookme-Embed": "0"}))


def test_an_old_browser_keeps_embed_mode_through_links_and_forms(old_browser, bank, partners):
    """No Sec-Fetch-Dest: a link followed from an embedded page (told by its Referer) is sent
    to the same address with embed=1, and a form's redirect keeps embed=1, so every page of
    the flow stays framable in the frame."""
    landing = "http://testserver/?embed=1"
    response = old_browser.get(options_url(bank) + "?category=3", headers={"Referer": landing})
    assert response.status_code == 302
    assert response["Location"] == options_url(bank) + "?category=3&embed=1"
    assert_embedded(old_browser.get(response["Location"]), partners)
    held = old_browser.post(
        reverse("booking:times", args=[bank.topic.pk]), hold_data(), headers={"Referer": landing}
    )
    assert held.status_code == 302
    assert re.fullmatch(r"/hold/\d+/\?embed=1", held["Location"]), held["Location"]
    assert_embedded(old_browser.get(held["Location"]), partners)


def test_an_old_browser_without_an_embedded_referer_gets_the_normal_page(
    old_browser, bank, partners
):
    """Referers of other sites, of non-booking pages or without embed=1 change nothing."""
    for referer in (
        "https://partner.example/?embed=1",
        "http://testserver/accounts/login/?embed=1",
        "http://testserver/",
    ):
        response = old_browser.get(options_url(bank), headers={"Referer": referer})
        assert response.status_code == 200, referer
        assert_not_framable(response)


def test_a_frame_keeps_its_addresses_as_they_are(frame_client, bank, partners):
    """A browser that sends Sec-Fetch-Dest needs no flag: redirects are left untouched."""
    response = hold(frame_client, bank.topic, TUESDAY_TEN)
    assert re.fullmatch(r"/hold/\d+/", response["Location"]), response["Location"]


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/accounts/signup/", "/me/meetings/", "/admin/login/", "/lost-link/"],
)
def test_pages_outside_the_booking_flow_are_never_framed(frame_client, bank, partners, path):
    """Account, admin and other pages refuse every frame, even asked with ?embed=1."""
    response = frame_client.get(path + "?embed=1", follow=True)
    assert response.status_code == 200
    assert_not_framable(response)


def test_an_error_page_inside_the_embedded_flow_stays_in_the_frame(frame_client, bank, partners):
    """A 404 in the middle of an embedded flow is shown in the frame, without the header."""
    response = frame_client.get(reverse("booking:details", args=[999999]))
    assert response.status_code == 404
    assert_embedded(response, partners)


def test_a_refused_form_in_a_frame_without_cookies_shows_the_way_out(bank, partners):
    """A frame that keeps no cookies cannot hold a time: the CSRF refusal stays framable and
    offers the page in a new tab."""
    browser = Client(headers=FRAME, enforce_csrf_checks=True)
    response = hold(browser, bank.topic, TUESDAY_TEN)
    assert response.status_code == 403
    assert frame_ancestors(response) == partners
    assert "X-Frame-Options" not in response.headers
    assert "Open in a new tab" in response.content.decode()
    assert way_out(response) == reverse("booking:times", args=[bank.topic.pk])


def answer_cookies(browser: Client, bank) -> dict:
    """The CSRF cookie of a page with forms and the session cookie of a hold."""
    page = browser.get(options_url(bank))
    held = hold(browser, bank.topic, TUESDAY_TEN)
    assert held.status_code == 302
    return {
        settings.CSRF_COOKIE_NAME: page.cookies[settings.CSRF_COOKIE_NAME],
        settings.SESSION_COOKIE_NAME: held.cookies[settings.SESSION_COOKIE_NAME],
    }


def test_embedded_answers_set_cross_site_partitioned_cookies(frame_client, bank, partners):
    """Only answers in a frame get SameSite=None; Secure; Partitioned session and CSRF
    cookies (what a partner's frame needs); the same site's top-level pages keep Lax."""
    for name, cookie in answer_cookies(frame_client, bank).items():
        assert cookie["samesite"] == "None", name
        assert cookie["secure"] is True, name
        assert cookie.output().endswith("; Partitioned"), cookie.output()
    for name, cookie in answer_cookies(Client(headers=TOP_LEVEL), bank).items():
        assert cookie["samesite"] == "Lax", name
        assert "Partitioned" not in cookie.output()


def test_staff_sign_in_keeps_lax_cookies_with_partners(bank, partners):
    """The sign-in page is never embedded: its cookies stay Lax even asked from a frame."""
    response = Client(headers=FRAME).get("/accounts/login/?embed=1")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["samesite"] == "Lax"
    assert "Partitioned" not in cookie.output()


def test_a_top_level_embed_page_keeps_lax_cookies(bank, partners):
    """?embed=1 opened as a top-level page (Sec-Fetch-Dest: document) is shown embedded but
    its cookies stay first-party Lax: nothing there needs cross-site cookies."""
    times = reverse("booking:times", args=[bank.topic.pk])
    response = Client(headers=TOP_LEVEL).post(times + "?embed=1", hold_data())
    assert response.status_code == 302
    assert_embedded(Client(headers=TOP_LEVEL).get("/?embed=1"), partners)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["samesite"] == "Lax"


def test_embedded_pages_switch_the_language_in_the_frame(frame_client, bank, partners):
    """The embed bar has the language form; posting it in the frame sets a language cookie
    the frame keeps (SameSite=None; Partitioned) and returns to the same embedded page."""
    html = unescape(frame_client.get(options_url(bank) + "?embed=1").content.decode())
    bar = re.search(r'<div class="embed-bar.*?</div>', html, re.S)
    assert bar, html[:2000]
    form = re.search(r'<form class="language-form" action="([^"]+)" method="post"', bar.group(0))
    assert form, bar.group(0)
    assert form.group(1) == reverse("set_language") + "?embed=1"
    assert f'name="next" value="{options_url(bank)}?embed=1"' in bar.group(0)
    response = frame_client.post(
        form.group(1), {"language": "de", "next": options_url(bank) + "?embed=1"}
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "de"
    assert cookie["samesite"] == "None"
    assert cookie.output().endswith("; Partitioned")
    page = frame_client.get(response["Location"])
    assert '<html lang="de">' in page.content.decode()
    assert_embedded(page, partners)


def test_the_whole_flow_in_a_frame_ends_with_the_booking_message(frame_client, bank, partners):
    """Hold, details and confirmation in the frame: the confirmation carries what bookme.js
    posts to each allowed origin: reference, start and end (ISO 8601); never the manage
    link, which is a bearer link that can cancel or move the meeting."""
    meeting = book(frame_client, bank)
    response = frame_client.get(reverse("booking:confirmed", args=[meeting.reference]))
    assert_embedded(response, partners)
    html = response.content.decode()
    container = re.search(r"<div hidden data-bookme-booked([^>]*)>", html)
    assert container, html
    data = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', unescape(container.group(1))))
    assert data == {
        "reference": meeting.reference,
        "start": meeting.start.isoformat(),
        "end": meeting.end.isoformat(),
        "origins": f"{PARTNER} {OTHER_PARTNER}",
    }


def test_the_confirmation_outside_a_frame_sends_no_message(client, bank, partners):
    """The same confirmation in a normal tab has no message to post."""
    meeting = book(client, bank)
    response = client.get(reverse("booking:confirmed", args=[meeting.reference]))
    assert "data-bookme-booked" not in response.content.decode()
    assert_not_framable(response)


def test_a_cancelled_meeting_announces_no_booking(frame_client, bank, partners):
    """Reloading the confirmation of a meeting cancelled since tells the parent nothing."""
    meeting = book(frame_client, bank)
    services.meeting_cancel(meeting_id=meeting.pk, actor=Actor.system())
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    response = frame_client.get(reverse("booking:confirmed", args=[meeting.reference]))
    assert "data-bookme-booked" not in response.content.decode()
