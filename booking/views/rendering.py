"""Answering a page: the whole page, or the named partial an HTMX swap asks for."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class SignedInHttpRequest(HtmxHttpRequest):
    """The request of a view behind @login_required: the user is a real account."""

    user: User


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only its named partial when HTMX asks for a swap.

    History restores (the back button) get the whole page. The answer differs by the
    HX-Request header, so caches are told to keep the two apart.
    """
    if partial and swaps_partial(request):
        template = f"{template}#{partial}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def swaps_partial(request: HtmxHttpRequest) -> bool:
    """HTMX swapping part of the page in, as opposed to a whole page: a plain request, a
    boosted link or a history restore (the back button), which must get what the URL gave."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def query_string(params: Mapping[str, object]) -> str:
    """`?a=1&b=2` without empty values, for links that carry the customer's choices."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""
