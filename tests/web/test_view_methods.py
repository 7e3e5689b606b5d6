"""Every view of ours names the HTTP methods it takes; any other method is a 405.

The URLconf is walked (get_resolver()), so a new view is checked without anyone
remembering to add it here. Route parameters are filled with real objects, so that
an answer other than 405 means the view took the method, not that the object was missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path

from config_data.models import BookingProfile
from tests.web.conftest import book

OUR_APPS = ("booking", "config_data", "bookme_site")
# No page or endpoint of ours takes these; each restricted view must refuse them.
UNEXPECTED_METHODS = ("put", "delete")
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    route: str  # e.g. "m/<slug:reference>/"
    view: str  # module.name, for messages

    def url(self, values: dict[str, object]) -> str:
        return "/" + ROUTE_PARAMETER.sub(lambda m: str(values[m["name"]]), self.route)


def routes_of(apps: tuple[str, ...], urlconf: str | None = None) -> Iterator[Route]:
    """Every URL pattern whose view lives in one of `apps`, with its full route."""

    def walk(patterns: list, prefix: str) -> Iterator[Route]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                # A class-based view's as_view() function carries its class.
                view = getattr(entry.callback, "view_class", entry.callback)
                module = getattr(view, "__module__", "") or ""
                if module.split(".")[0] in apps:
                    yield Route(prefix + str(entry.pattern), f"{module}.{view.__qualname__}")

    yield from walk(get_resolver(urlconf).url_patterns, "")


@pytest.fixture
def visitor(bank, django_user_model) -> tuple[Client, dict[str, object]]:
    """A signed-in browser that booked a meeting: real values for every route parameter."""
    client = Client()
    client.force_login(django_user_model.objects.create_user("visitor", "v@example.com", "pw"))
    meeting = book(client, bank)
    values = {
        "topic_id": bank.topic.pk,
        "slot_id": meeting.time_slot_id,
        "reference": meeting.reference,
        "token": "not-a-real-offer-token",
        "meeting_id": meeting.pk,
        "absence_id": 1,  # staff pages: a 404 for this visitor still names its methods
        "object_id": 1,
        "slug": profile_slug(bank),
    }
    return client, values


def profile_slug(bank) -> str:
    """A real booking profile's address (/p/<slug>/)."""
    page = BookingProfile.objects.create(employee=bank.alice, slug="alice", title="Alice")
    page.topics.set([bank.topic])
    return page.slug


@pytest.mark.django_db
def test_every_view_of_ours_refuses_methods_it_does_not_name(visitor):
    """PUT and DELETE to every URL of our apps answer 405 with an Allow header."""
    client, values = visitor
    routes = list(routes_of(OUR_APPS))
    checked = {r.view for r in routes}
    # The walk must reach the website, the admin login and the OAuth endpoints at least.
    assert {
        "booking.views.flow.landing",
        "booking.views.details.details",
        "booking.views.manage.reschedule_confirm",
        "booking.admin_login.admin_login",
        "booking.api.oauth.ThrottledTokenView",
    } <= checked, sorted(checked)
    unrestricted = []
    for route in routes:
        if route.route.startswith("admin/") and "admin_login" not in route.view:
            # Our ModelAdmin views sit behind the admin site's own sign-in (a redirect for
            # this visitor); tests/admin/test_history.py checks their methods as staff.
            continue
        url = route.url(values)
        for method in UNEXPECTED_METHODS:
            response = getattr(client, method)(url)
            if response.status_code != 405 or "Allow" not in response:
                unrestricted.append(
                    f"{method.upper()} {url} ({route.view}): {response.status_code}"
                )
    assert not unrestricted, "views without a method restriction:\n" + "\n".join(unrestricted)


def unrestricted_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("any method is fine here")


urlpatterns = [path("open/", unrestricted_view)]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_walk_catches_a_view_without_a_method_decorator(client):
    """The check itself: a view that takes any method is found and answers PUT with 200."""
    routes = list(routes_of(("tests",), __name__))
    assert [r.view for r in routes] == [f"{__name__}.unrestricted_view"]
    assert client.put(routes[0].url({})).status_code == 200


@pytest.mark.django_db
def test_pages_read_with_get_also_answer_head(client, bank):
    """require_safe, not require_GET, on the open pages: link checkers send HEAD."""
    for url in ("/", f"/book/{bank.topic.pk}/"):
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.content == b""


@pytest.mark.django_db
def test_every_page_read_only_with_get_also_takes_head(visitor):
    """A view of ours that takes GET and no POST takes HEAD too (require_safe): found by the
    Allow header its 405 answer names, so a new require_GET view is caught."""
    client, values = visitor
    get_only = []
    for route in routes_of(OUR_APPS):
        allowed = {m.strip() for m in client.put(route.url(values)).get("Allow", "").split(",")}
        if "GET" in allowed and "POST" not in allowed and "HEAD" not in allowed:
            get_only.append(f"{route.url(values)} ({route.view}): {sorted(allowed)}")
    assert not get_only, "GET without HEAD:\n" + "\n".join(get_only)
