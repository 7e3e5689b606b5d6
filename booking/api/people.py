"""A partner app acting for a person: what its token may see, defined here once.

A token from the authorization code flow carries the signed-in user who allowed the app
(oauth-toolkit stores it on the token; booking.api.auth reads it into ApiCaller.user_id).
Such a caller sees the meetings where that user is the customer (Meeting.customer.user),
the meetings of the user's employee record (their schedule), and the configuration anyone
may read. Nothing the application holds as a client (its time slots, meetings, webhooks,
waitlist entries), no availability search, no writes: every other operation answers 403
(each operation names the callers it serves, booking.api.auth), and a meeting that is not
the person's answers 404, as another client's does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from booking.api.errors import ApiError
from booking.api.schemas import to_pk
from booking.models import Meeting, MeetingQuerySet
from config_data.models import Employee

# What the app may do with each scope, in the person's words: the consent page shows these.
SCOPE_EXPLANATIONS = {
    "read": _(
        "See your own meetings and, if you work here, your schedule: times, topics, places "
        "and the details given when booking."
    ),
}
# What no partner app can do, whatever it asks for: said on the consent page too.
NEVER_ALLOWED = _("It cannot book, change or cancel meetings, and sees no one else's.")
# The longest list one call returns: a year of a busy adviser's meetings.
MAX_MEETINGS = 500


def customer_meetings(user_id: int) -> MeetingQuerySet:
    """The meetings the person booked as a customer (the website's "My meetings")."""
    return Meeting.objects.filter(customer__user_id=user_id)


def schedule_meetings(employee: Employee) -> MeetingQuerySet:
    """The confirmed meetings the person holds as an employee (the website's "My schedule")."""
    return Meeting.objects.confirmed().filter(time_slot__employee=employee)


def visible_meetings(user_id: int) -> MeetingQuerySet:
    """Every meeting the person may read one by one: as the customer or as its employee."""
    return Meeting.objects.filter(
        Q(customer__user_id=user_id) | Q(time_slot__employee__user_id=user_id)
    )


def employee_of(user_id: int) -> Employee | None:
    return Employee.objects.filter(user_id=user_id).first()


def meeting(user_id: int, value: str, *, parameter: str) -> Meeting:
    """One of the person's meetings, or 404 (the same answer as for an unknown id)."""
    pk = to_pk(value)
    found = (
        visible_meetings(user_id).with_details().prefetch_related("answers").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if found is None:
        raise ApiError(404, f"Meeting {value!r} not found.", parameter=parameter)
    return found


def between(meetings: MeetingQuerySet, *, start: datetime, end: datetime | None) -> list[Meeting]:
    """Meetings ending after `start` (and starting before `end`), earliest first, capped."""
    found = meetings.filter(time_slot__end__gt=start)
    if end is not None:
        found = found.filter(time_slot__start__lt=end)
    found = found.with_details().prefetch_related("answers").order_by("time_slot__start", "pk")
    return list(found[:MAX_MEETINGS])


def scope_explanations(scopes: list[str] | set[str]) -> list[str | Promise]:
    """What each scope lets an app do, in the person's words (the consent page's)."""
    return [SCOPE_EXPLANATIONS.get(scope, scope) for scope in sorted(scopes)]


@dataclass(frozen=True)
class ConnectedApp:
    """A partner app the person allowed and that can still act for them."""

    application_id: int
    name: str
    allowed_at: datetime  # the oldest token or code still kept: when consent was given
    scopes: frozenset[str]

    @property
    def explanations(self) -> list[str | Promise]:
        return scope_explanations(set(self.scopes))


def connected_apps(user_id: int, *, now: datetime) -> list[ConnectedApp]:
    """The apps with a live access token, refresh token or code of the person, by name.

    Four queries whatever the number of apps. Rows no longer live still date the consent
    (each refresh replaces the tokens), but alone do not list an app: it cannot act any
    more, and the token clean-up removes them.
    """
    access = get_access_token_model().objects.filter(user_id=user_id)
    refresh = get_refresh_token_model().objects.filter(user_id=user_id)
    grants = get_grant_model().objects.filter(user_id=user_id)
    live: set[int] = set()
    allowed: dict[int, datetime] = {}
    scopes: dict[int, set[str]] = {}
    rows = [
        (app_id, scope, created, expires > now)
        for app_id, scope, created, expires in access.values_list(
            "application_id", "scope", "created", "expires"
        )
    ]
    rows += [
        (app_id, scope, created, expires > now)
        for app_id, scope, created, expires in grants.values_list(
            "application_id", "scope", "created", "expires"
        )
    ]
    rows += [
        (app_id, "", created, revoked is None)
        for app_id, created, revoked in refresh.values_list("application_id", "created", "revoked")
    ]
    for app_id, scope, created, is_live in rows:
        if app_id is None:
            continue
        if is_live:
            live.add(app_id)
        allowed[app_id] = min(created, allowed.get(app_id, created))
        scopes.setdefault(app_id, set()).update(scope.split())
    names = dict(get_application_model().objects.filter(pk__in=live).values_list("pk", "name"))
    found = [
        ConnectedApp(app_id, names[app_id], allowed[app_id], frozenset(scopes[app_id]))
        for app_id in live
        if app_id in names
    ]
    return sorted(found, key=lambda app: (app.name.casefold(), app.application_id))
