"""A location's public holidays as closed days, from the `holidays` package.

Bookings are possible this year and next (seed 004's time range limits), so that is the
window imported: sync_public_holidays() makes the location's imported days match the
package's list for it, and the background engine (booking/housekeeping.py) runs it for
every location with a country, so a new year and a changed law arrive by themselves.

Staff keep the last word: a day they added is never touched, and an imported holiday they
opened on (ClosedDay.open_anyway) stays open however often holidays are imported again.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import cache

import holidays
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history

from config_data.models import ClosedDay, ClosedDaySource, Location

logger = logging.getLogger(__name__)

# Imported this many years from the current one on: this year and next.
WINDOW_YEARS = 2
# Words kept lower case in a country's name ("Bosnia and Herzegovina").
_SMALL_WORDS = frozenset({"and", "of", "the"})


@dataclass(frozen=True)
class SyncResult:
    added: int = 0
    renamed: int = 0
    removed: int = 0

    def __add__(self, other: SyncResult) -> SyncResult:
        return SyncResult(
            self.added + other.added, self.renamed + other.renamed, self.removed + other.removed
        )


@cache
def _supported() -> dict[str, tuple[str, ...]]:
    """Country code -> its subdivision codes (aliases left out: one code per country)."""
    return {
        code: tuple(subdivisions)
        for code, subdivisions in holidays.list_supported_countries(include_aliases=False).items()
    }


@cache
def country_choices() -> list[tuple[str, str]]:
    """(code, "Name (code)") for every supported country, by name."""
    from holidays.registry import COUNTRIES

    names = {entry[1]: module for module, entry in COUNTRIES.items()}
    choices = []
    for code in _supported():
        words = names.get(code, code).split("_")
        name = " ".join(w if w in _SMALL_WORDS else w.capitalize() for w in words)
        choices.append((code, f"{name} ({code})"))
    return sorted(choices, key=lambda choice: choice[1])


def subdivision_error(country: str, subdivision: str) -> str | None:
    """Why a (country, subdivision) pair cannot be imported, or None when it can."""
    if not subdivision:
        return None
    if not country:
        return gettext("Choose the country of the public holidays first.")
    known = _supported().get(country, ())
    if not known:
        return gettext("%(country)s has no regions with their own holidays.") % {"country": country}
    if subdivision not in known:
        return gettext("%(subdivision)s is not a region of %(country)s; one of: %(known)s.") % {
            "subdivision": subdivision,
            "country": country,
            "known": ", ".join(known),
        }
    return None


def window(today: date) -> range:
    """The years whose holidays are imported on `today`: this year and next."""
    return range(today.year, today.year + WINDOW_YEARS)


def window_end(now: datetime, zone: tzinfo) -> datetime:
    """Where the imported years end: midnight starting the year after next, in `zone`. A
    later day's holidays are not imported yet, so nothing may be booked from then on."""
    return datetime(now.astimezone(zone).year + WINDOW_YEARS, 1, 1, tzinfo=zone)


def _language(calendar: holidays.HolidayBase) -> str | None:
    """The site's language as the package spells it ("en" -> "en_US"), or else the country's
    own: passed explicitly, since without one the package reads the process's locale."""
    wanted = settings.LANGUAGE_CODE.replace("-", "_").lower()
    supported = list(calendar.supported_languages)
    for candidate in supported:
        if candidate.lower() == wanted:
            return candidate
    for candidate in supported:
        if candidate.split("_")[0].lower() == wanted.split("_")[0]:
            return candidate
    return calendar.default_language


def public_holidays(country: str, subdivision: str, years: range) -> dict[date, str]:
    """The public holidays of a country (and region) in these years, named in the site's
    language, each name cut to fit ClosedDay.reason."""
    calendar = holidays.country_holidays(country, subdiv=subdivision or None)
    named = holidays.country_holidays(
        country, subdiv=subdivision or None, years=list(years), language=_language(calendar)
    )
    limit = ClosedDay._meta.get_field("reason").max_length or 100
    return {day: name[:limit] for day, name in sorted(named.items())}


def sync_public_holidays(location: Location, *, today: date) -> SyncResult:
    """Make the location's imported closed days from this year on match its country's public
    holidays for this year and next: add what is missing, rename, remove what is no longer
    a holiday (or every imported day, once the country is cleared). Days staff added are
    never touched, and an imported day staff opened on stays open. A second run changes
    nothing (and so leaves the catalog's token alone)."""
    years = window(today)
    with transaction.atomic():
        # The admin and the background engine may import at once: one after the other. The
        # country is read under the lock: the caller's object may predate a change to it.
        country, subdivision = (
            Location.objects.select_for_update()
            .filter(pk=location.pk)
            .values_list("holiday_country", "holiday_subdivision")
            .get()
        )
        wanted = public_holidays(country, subdivision, years) if country else {}
        existing = {
            day.date: day
            for day in ClosedDay.objects.filter(location=location, date__gte=date(years[0], 1, 1))
        }
        gone = [
            day.pk
            for when, day in existing.items()
            if day.source == ClosedDaySource.PUBLIC_HOLIDAY and when not in wanted
        ]
        if gone:
            ClosedDay.objects.filter(pk__in=gone).delete()
        renamed = 0
        for when, reason in wanted.items():
            day = existing.get(when)
            if day and day.source == ClosedDaySource.PUBLIC_HOLIDAY and day.reason != reason:
                day.reason = reason
                day.save(update_fields=["reason"])
                renamed += 1
        added = bulk_create_with_history(
            [
                ClosedDay(
                    location=location,
                    date=when,
                    reason=reason,
                    source=ClosedDaySource.PUBLIC_HOLIDAY,
                )
                for when, reason in wanted.items()
                if when not in existing
            ],
            ClosedDay,
        )
    return SyncResult(added=len(added), renamed=renamed, removed=len(gone))


def imported_again(day: ClosedDay, location: Location, *, today: date) -> bool:
    """Whether the next import would bring this day back, were it deleted: an imported
    holiday, from this year on, of a location that still takes public holidays."""
    return (
        day.source == ClosedDaySource.PUBLIC_HOLIDAY
        and bool(location.holiday_country)
        and day.date.year >= today.year
    )


def local_today(location: Location, now: datetime) -> date:
    """The date at the location now: its year starts earlier in Copenhagen than in UTC."""
    try:
        return now.astimezone(location.zone).date()
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        # A zone a form has yet to refuse (it names the field): UTC's date until then.
        return now.astimezone(UTC).date()


def sync_all_public_holidays(*, now: datetime) -> SyncResult:
    """sync_public_holidays for every location with a country, each on its own date, and
    for every location still holding imported days (its country cleared other than in the
    admin, say by an import). One location whose holidays cannot be read (a country the
    package dropped since) does not stop the others."""
    total = SyncResult()
    locations = Location.objects.filter(
        ~Q(holiday_country="") | Q(closed_days__source=ClosedDaySource.PUBLIC_HOLIDAY)
    )
    for location in locations.distinct().order_by("pk"):
        try:
            total += sync_public_holidays(location, today=local_today(location, now))
        except Exception:
            logger.exception("Could not import the public holidays of %s", location)
    return total
