"""Framing over real HTTP (issue 13, point 9): only the configured origins, only embed pages.

The cookies a partner's frame needs (SameSite=None; Secure; Partitioned) are set only on
answers in a frame with origins configured, and the deployment checklist stays clean.
"""

from __future__ import annotations

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from bookme_site.embed import parse_origins
from tests.bookme_site.test_settings import PRODUCTION, run, run_check, setting

PARTNER = "https://partner.example"
FRAME = {"Sec-Fetch-Dest": "iframe"}


def frame_ancestors(response: requests.Response) -> list[str]:
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        if name == "frame-ancestors":
            return sources
    raise AssertionError(response.headers["Content-Security-Policy"])


def test_by_default_no_page_is_framed_even_with_embed(live_server, db):
    """Nothing configured: ?embed=1 in a frame still gets 'none' and DENY."""
    response = requests.get(
        live_server.url + "/?embed=1", headers={"Sec-Fetch-Dest": "iframe"}, timeout=10
    )
    assert response.status_code == 200
    assert frame_ancestors(response) == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_embed_pages_name_the_partner_and_nothing_else(live_server, db, settings):
    """The embed page allows exactly the listed origin; the rest of the policy is unchanged;
    a frame's next request is framable without any cookie, a top-level one is not."""
    settings.BOOKME_EMBED_ORIGINS = [PARTNER]
    response = requests.get(live_server.url + "/?embed=1", timeout=10)
    assert frame_ancestors(response) == [PARTNER]
    assert "X-Frame-Options" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy
    frame = requests.get(live_server.url + "/", headers=FRAME, timeout=10)
    assert frame_ancestors(frame) == [PARTNER]
    top = requests.get(live_server.url + "/", headers={"Sec-Fetch-Dest": "document"}, timeout=10)
    assert frame_ancestors(top) == ["'none'"]
    assert top.headers["X-Frame-Options"] == "DENY"


def test_the_admin_is_never_framed(live_server, db, settings):
    """Even with partners configured, asked from a frame with ?embed=1, the admin refuses."""
    settings.BOOKME_EMBED_ORIGINS = [PARTNER]
    response = requests.get(live_server.url + "/admin/login/?embed=1", headers=FRAME, timeout=10)
    assert frame_ancestors(response) == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"


def set_cookies(response: requests.Response) -> dict[str, str]:
    cookies = response.raw.headers.getlist("Set-Cookie")
    return {cookie.split("=", 1)[0]: cookie for cookie in cookies}


def test_only_answers_in_a_frame_get_partitioned_cross_site_cookies(live_server, db, settings):
    """With partners, a frame's answer sets the CSRF cookie SameSite=None; Secure; Partitioned
    (kept in a frame even where third-party cookies are blocked); a top-level answer of the
    same page, and every answer without partners, keeps a plain Lax cookie."""
    top = set_cookies(requests.get(live_server.url + "/", headers=FRAME, timeout=10))
    assert "SameSite=Lax" in top["csrftoken"]
    assert "Partitioned" not in top["csrftoken"]
    settings.BOOKME_EMBED_ORIGINS = [PARTNER]
    framed = set_cookies(requests.get(live_server.url + "/", headers=FRAME, timeout=10))
    assert "SameSite=None" in framed["csrftoken"]
    assert "Secure" in framed["csrftoken"]
    assert "Partitioned" in framed["csrftoken"]
    headers = {"Sec-Fetch-Dest": "document"}
    top = set_cookies(requests.get(live_server.url + "/", headers=headers, timeout=10))
    assert "SameSite=Lax" in top["csrftoken"]
    assert "Partitioned" not in top["csrftoken"]


def test_cookies_stay_lax_without_partners():
    """No origins: the session and CSRF cookies keep SameSite=Lax."""
    assert setting("SESSION_COOKIE_SAMESITE", **PRODUCTION) == "Lax"
    assert setting("CSRF_COOKIE_SAMESITE", **PRODUCTION) == "Lax"
    assert setting("BOOKME_EMBED_ORIGINS", **PRODUCTION) == []


def test_partners_leave_the_site_wide_cookies_lax():
    """Origins listed: the settings still say Lax (staff and admin sessions keep it); only
    embedded answers rewrite their cookies (bookme_site.embed)."""
    env = {"BOOKME_EMBED_ORIGINS": f"{PARTNER}, https://Other.Example:8443"}
    assert setting("BOOKME_EMBED_ORIGINS", **PRODUCTION, **env) == [
        PARTNER,
        "https://other.example:8443",
    ]
    assert setting("SESSION_COOKIE_SAMESITE", **PRODUCTION, **env) == "Lax"
    assert setting("CSRF_COOKIE_SAMESITE", **PRODUCTION, **env) == "Lax"
    assert setting("SESSION_COOKIE_SECURE", DEBUG="1", **env) is False


def test_the_deployment_checklist_stays_clean_with_partners():
    """`manage.py check --deploy` has nothing to say about an embedding deployment."""
    result = run_check(**PRODUCTION, BOOKME_EMBED_ORIGINS=PARTNER)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_malformed_origin_refuses_to_start():
    """A path in an origin stops the process at start-up, naming the setting."""
    result = run(["manage.py", "check"], {**PRODUCTION, "BOOKME_EMBED_ORIGINS": f"{PARTNER}/x"})
    assert result.returncode != 0
    assert "BOOKME_EMBED_ORIGINS" in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        "partner.example",
        "ftp://partner.example",
        "https://*.partner.example",
        "*",
        "https://partner.example/",
        "https://partner.example/embed",
        "https://partner.example?x=1",
        "https://user:pw@partner.example",
        "https://partner.example:99999",
        "https://",
    ],
)
def test_anything_but_an_origin_is_refused(value):
    """Wildcards, paths, queries, credentials, bad ports and bare hosts are configuration errors."""
    with pytest.raises(ImproperlyConfigured, match="BOOKME_EMBED_ORIGINS"):
        parse_origins(f"{PARTNER},{value}", name="BOOKME_EMBED_ORIGINS")


def test_origins_are_normalised_and_empty_means_none():
    """Spaces and empty items are dropped, hosts lower-cased; an empty value lists nothing."""
    assert parse_origins("", name="X") == []
    assert parse_origins(" , ", name="X") == []
    assert parse_origins(" https://A.example ,http://localhost:8001,", name="X") == [
        "https://a.example",
        "http://localhost:8001",
    ]
