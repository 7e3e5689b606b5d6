"""Embed mode: the customer booking pages inside a partner site's iframe.

A partner frames any booking page with `?embed=1`. The page then comes without header and
footer, and its Content-Security-Policy names the origins in BOOKME_EMBED_ORIGINS as the
only allowed `frame-ancestors` (every other page keeps 'none' and X-Frame-Options DENY).

Each request is judged on its own, without the session (a frame may keep no cookies): it is
embedded when it asks with `?embed=1`, when the browser says it is a frame's navigation
(Sec-Fetch-Dest: iframe), or when it carries `X-Bookme-Embed: 1`, which embedded pages give
their HTMX requests. A top-level tab (Sec-Fetch-Dest: document) is never embedded by what
happened in a frame. Browsers that send no Sec-Fetch-Dest keep `embed=1` in the address: a
navigation from an embedded page (told by its same-origin Referer) is sent to the same address
with the flag, and redirects out of an embedded request carry it.

Only answers in a frame get cross-site cookies (SameSite=None; Secure; Partitioned); every
other answer keeps the site's Lax cookies, so staff and admin sessions never lose Lax.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container
from http.cookies import Morsel
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_vary_headers

EMBED_HEADER = "X-Bookme-Embed"
# The customer's booking pages, from the landing page to the confirmation and the pages
# the confirmation links to; staff, account and admin pages are never framed.
EMBEDDABLE_VIEWS = frozenset(
    {
        "booking:landing",
        "booking:options",
        "booking:times",
        "booking:details",
        "booking:release",
        "booking:waitlist_join",
        "booking:confirmed",
        "booking:manage",
        "booking:cancel",
        "booking:reschedule",
        "booking:reschedule_confirm",
    }
)
FRAME_DESTINATIONS = frozenset({"iframe", "frame"})
# Pages about a hold, which lives in the frame's session: a new tab opens the start instead.
HOLD_VIEWS = frozenset({"booking:details", "booking:release"})
# Answers whose cookies a frame must keep: the embeddable pages and the language switch.
FRAME_COOKIE_VIEWS = EMBEDDABLE_VIEWS | {"set_language"}
# Redirect headers that lead the frame on (plain and HTMX).
REDIRECT_HEADERS = ("Location", "HX-Redirect")


def parse_origins(value: str, *, name: str) -> list[str]:
    """Comma-separated origins such as `https://partner.example` (scheme, host and an
    optional port; no path, no wildcard). Empty: none. Anything else stops the start-up."""
    origins: list[str] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        parts = urlsplit(item)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or "*" in item
            or port == -1
            or parts.path
            or parts.query
            or parts.fragment
            or parts.username
            or parts.password
        ):
            raise ImproperlyConfigured(
                f"{name} must list origins like https://partner.example, comma-separated, "
                f"not {item!r}."
            )
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return origins


def env_origins(name: str) -> list[str]:
    return parse_origins(os.environ.get(name, ""), name=name)


def view_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return ""


def embed_signalled(request: HttpRequest) -> bool:
    """The request itself asks for embed mode (see above); no session involved."""
    return (
        request.GET.get("embed") == "1"
        or request.headers.get(EMBED_HEADER) == "1"
        or request.headers.get("Sec-Fetch-Dest") in FRAME_DESTINATIONS
    )


def from_embedded_page(request: HttpRequest) -> bool:
    """A browser without fetch metadata following a link or form of an embedded page: its
    same-origin Referer (Referrer-Policy same-origin sends it whole) has embed=1."""
    if "Sec-Fetch-Dest" in request.headers:
        return False
    referer = urlsplit(request.headers.get("Referer", ""))
    return (
        referer.scheme == request.scheme
        and referer.netloc == request.get_host()
        and QueryDict(referer.query).get("embed") == "1"
        and view_name(referer.path) in EMBEDDABLE_VIEWS
    )


def with_embed_flag(url: str) -> str:
    """`url` with embed=1 in its query, for a local address of an embeddable page."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or view_name(parts.path) not in FRAME_COOKIE_VIEWS:
        return url
    query = QueryDict(parts.query, mutable=True)
    query["embed"] = "1"
    return urlunsplit(("", "", parts.path, query.urlencode(), parts.fragment))


class EmbedMiddleware:
    """Marks embed requests (`request.bookme_embed`) and lets only the configured origins
    frame their answers. Placed after XFrameOptionsMiddleware; PartitionedCookiesMiddleware
    (outside the middleware that set cookies) reads `request.bookme_frame_cookies`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origins: list[str] = settings.BOOKME_EMBED_ORIGINS
        name = view_name(request.path_info) if origins else ""
        embeddable = name in EMBEDDABLE_VIEWS
        asked = bool(origins) and embed_signalled(request)
        if embeddable and not asked and from_embedded_page(request):
            if request.method in ("GET", "HEAD"):
                # Put the flag into the address, so that the next link keeps it too.
                return HttpResponseRedirect(with_embed_flag(request.get_full_path()))
            asked = True
        # Decided before the view runs, so that an error page (a 404, a refused CSRF token)
        # in the middle of an embedded flow is shown in the frame as well.
        request.bookme_embed = embeddable and asked  # type: ignore[attr-defined]
        # A top-level page asked with ?embed=1 needs no cross-site cookies.
        request.bookme_frame_cookies = (  # type: ignore[attr-defined]
            asked
            and name in FRAME_COOKIE_VIEWS
            and request.headers.get("Sec-Fetch-Dest") != "document"
        )
        response = self.get_response(request)
        if embeddable:
            # The same URL is a framable page or a normal one depending on these.
            patch_vary_headers(response, ("Sec-Fetch-Dest", EMBED_HEADER))
        if asked and "Sec-Fetch-Dest" not in request.headers:
            for header in REDIRECT_HEADERS:
                if header in response:
                    response[header] = with_embed_flag(response[header])
        if request.bookme_embed:  # type: ignore[attr-defined]
            # django-csp builds the header later (its middleware is further out).
            response._csp_replace = {"frame-ancestors": origins}  # type: ignore[attr-defined]
            # X-Frame-Options has no way to name origins; DENY would contradict the policy
            # in browsers that still read it, so embed pages rely on frame-ancestors alone.
            response.xframe_options_exempt = True
        return response


class PartitionedMorsel(Morsel):
    """A cookie with the Partitioned attribute (CHIPS), which Python's cookies lack before 3.14."""

    def OutputString(self, attrs: Container[str] | None = None) -> str:
        return super().OutputString(attrs) + "; Partitioned"


class PartitionedCookiesMiddleware:
    """Answers in a partner's frame set the session, CSRF and language cookies as a frame on
    another site needs them: SameSite=None (else not sent there), Secure (required with
    None) and Partitioned (CHIPS: kept, in a jar of that partner's site alone, even where
    third-party cookies are blocked). Every other answer keeps the site's Lax cookies.
    Placed before (outside) SessionMiddleware and CsrfViewMiddleware, which set them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "bookme_frame_cookies", False):
            names = (
                settings.SESSION_COOKIE_NAME,
                settings.CSRF_COOKIE_NAME,
                settings.LANGUAGE_COOKIE_NAME,
            )
            for name in names:
                cookie = response.cookies.get(name)
                if cookie is not None and not isinstance(cookie, PartitionedMorsel):
                    partitioned = PartitionedMorsel()
                    partitioned.update(cookie)
                    partitioned.set(cookie.key, cookie.value, cookie.coded_value)
                    partitioned["samesite"] = "None"
                    partitioned["secure"] = True
                    response.cookies[name] = partitioned
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's refusal page, rendered with the request, so that in a frame it keeps embed
    mode and offers the way out (a frame that keeps no cookies ends here on its first POST)."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def outside_url(request: HttpRequest) -> str:
    """Where "Open in a new tab" leads: the same page without the flag; for a form sent, the
    page it was sent from; for a hold (kept in the frame's session), the start page."""
    if view_name(request.path_info) in HOLD_VIEWS:
        return reverse("booking:landing")
    path, query = request.path, QueryDict(mutable=True)
    if request.method == "GET":
        query = request.GET.copy()
    else:
        referer = urlsplit(request.headers.get("Referer", ""))
        if referer.netloc == request.get_host() and view_name(referer.path) in EMBEDDABLE_VIEWS:
            path, query = referer.path, QueryDict(referer.query, mutable=True)
    query.pop("embed", None)
    return path + (f"?{query.urlencode()}" if query else "")


def embed_context(request: HttpRequest) -> dict[str, object]:
    """Template context: `embedded`, the origins told about a booking, and where the page
    opens outside the frame (for browsers that keep no cookies in a partner's frame)."""
    if not getattr(request, "bookme_embed", False):
        return {"embedded": False}
    return {
        "embedded": True,
        "embed_origins": settings.BOOKME_EMBED_ORIGINS,
        "embed_outside_url": outside_url(request),
    }
