"""Response headers a hostile page or client meets, over real HTTP (issue 8, point 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

PAGES = ["/", "/accounts/login/", "/api/docs", "/api/openapi.json", "/admin/login/"]
DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb"]


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_policy_without_inline_script_or_eval(live_server, db, path):
    """Scripts only from our origin: an injected <script> or onclick= would not run."""
    response = requests.get(live_server.url + path, timeout=10)
    assert response.status_code == 200
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_denies_powerful_browser_features(live_server, db, path):
    """Camera, microphone, location, payment and USB are off for our pages and any frame."""
    response = requests.get(live_server.url + path, timeout=10)
    features = dict(
        re.fullmatch(r"\s*([a-z-]+)=(\(\))\s*", item).groups()
        for item in response.headers["Permissions-Policy"].split(",")
    )
    for feature in DENIED_FEATURES:
        assert features[feature] == "()"


def test_manage_links_never_leak_through_the_referrer(live_server, db):
    """A manage link carries its secret in the path: other sites get no Referer at all."""
    response = requests.get(live_server.url + "/", timeout=10)
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_forged_x_forwarded_proto_does_not_make_a_request_secure(live_server, db):
    """Without a declared proxy, 'X-Forwarded-Proto: https' from a client is not believed:
    the server does not answer as over HTTPS (no Strict-Transport-Security)."""
    plain = requests.get(live_server.url + "/", timeout=10)
    forged = requests.get(live_server.url + "/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert forged.status_code == plain.status_code == 200
    assert "Strict-Transport-Security" not in forged.headers


def test_no_template_carries_inline_script_style_or_handlers():
    """What the policy would block never gets written: no inline code in our templates."""

    root = Path(__file__).resolve().parents[2] / "templates"
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
        r"|<style\b|\sstyle=|\son[a-z]+=|\shx-on|\bjavascript:",
        re.IGNORECASE,
    )
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        # Emails are no pages: the policy never applies, and mail clients need inline styles.
        if path.relative_to(root).parts[0] != "email"
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, found
