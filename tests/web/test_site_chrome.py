"""The site's chrome (issue 13, point 11): favicon, language form, "Sign in" wording, and no
push to sign up where customers need no account."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.web.conftest import book

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Other spellings of signing in that must not appear in our pages (the admin is Django's own).
OTHER_SPELLINGS = re.compile(r"\b(?:Log in|Login|Sign In|log in|Logon|Einloggen|Anmeldung)\b")


def test_favicon_ico_answers_with_the_svg_icon(client, db):
    """/favicon.ico (asked for by every browser) answers with the SVG icon's own bytes, not a
    redirect to a versioned static address that a cached redirect would outlive after a
    deploy; a browser may keep it for a day."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "Location" not in response
    assert "max-age=86400" in response["Cache-Control"]
    icon = finders.find("favicon.svg")
    assert icon is not None
    assert response.content == Path(icon).read_bytes()
    assert response.content.startswith(b"<svg")
    head = client.head("/favicon.ico")
    assert head.status_code == 200
    assert head["Content-Type"] == "image/svg+xml"


def test_favicon_ico_refuses_a_post(client, db):
    """Only GET and HEAD: anything else is 405, not a redirect."""
    assert client.post("/favicon.ico").status_code == 405


def test_every_page_links_the_icon(client, db):
    """base.html links the SVG icon."""
    html = client.get("/").content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg" type="image/svg\+xml">', html)


def test_the_language_form_keeps_its_button_for_pages_without_javascript(client, db):
    """The button is in the page (bookme.js hides it); posting the form switches the language."""
    html = client.get("/").content.decode()
    assert re.search(r"<button[^>]*data-autosubmit-button[^>]*>Change</button>", html)
    response = client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="de">' in client.get("/").content.decode()


@pytest.mark.parametrize("language", ["en", "de", "da"])
def test_sign_in_has_one_name_everywhere(client, db, language):
    """The header link, the page title, the heading and the button all say "Sign in" (in
    German "Anmelden", in Danish "Log ind"), never "Log in" or "Sign In"."""
    word = {"en": "Sign in", "de": "Anmelden", "da": "Log ind"}[language]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("account_login")).content.decode()
    assert f"<title>{word} · BookMe</title>" in html
    assert re.search(rf"<h1>\s*{word}\s*</h1>", html)
    assert re.search(rf'<button[^>]*type="submit"[^>]*>\s*{word}\s*</button>', html)
    assert re.search(rf'<a href="/accounts/login/\?next=[^"]*">{word}</a>', html)
    assert not OTHER_SPELLINGS.search(html)


def test_no_template_of_ours_spells_signing_in_differently():
    """Our templates (not the admin's) use one wording for signing in."""
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).parts[0] != "admin"
        for match in OTHER_SPELLINGS.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, found


def test_the_sign_in_page_offers_sign_up_once_and_says_no_account_is_needed(client, db):
    """The one place with a sign-up link; it keeps where the customer came from."""
    html = client.get(reverse("account_login") + "?next=/me/meetings/").content.decode()
    assert html.count(reverse("account_signup")) == 1
    assert "next=%2Fme%2Fmeetings%2F" in html or "next=/me/meetings/" in html
    assert "Booking needs no account" in html


def test_sign_up_and_sign_out_pages_use_the_same_words(client, db):
    """ "Create an account" and "Sign out", as the sign-in page and the header say."""
    html = client.get(reverse("account_signup")).content.decode()
    assert re.search(r"<h1>\s*Create an account\s*</h1>", html)
    assert re.search(r'<a href="/accounts/login/[^"]*">Sign in</a>', html)
    assert not OTHER_SPELLINGS.search(html)
    user = get_user_model().objects.create_user("u1", "u1@example.com", "pw-u1-0123456789")
    client.force_login(user)
    html = client.get(reverse("account_logout")).content.decode()
    assert re.search(r"<h1>\s*Sign out\s*</h1>", html)
    assert "Sign Out" not in html


def test_the_booking_pages_never_push_sign_up(client, bank):
    """Landing, options, times, details and the confirmation have no sign-up link."""
    signup = reverse("account_signup")
    pages = [
        "/",
        reverse("booking:options", args=[bank.topic.pk]),
    ]
    for path in pages:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        assert signup not in response.content.decode(), path
        assert not re.search(r"sign up|create an account", response.content.decode(), re.I), path
    meeting = book(client, bank)
    for name in ("confirmed", "manage"):
        html = client.get(reverse(f"booking:{name}", args=[meeting.reference])).content.decode()
        assert signup not in html, name
        assert not re.search(r"sign up|create an account|register", html, re.IGNORECASE), name
