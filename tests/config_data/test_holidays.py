"""Public holidays as closed days: what is imported, what staff keep, and the yearly window."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from booking import catalog, housekeeping
from config_data import holidays
from config_data.holidays import SyncResult, sync_all_public_holidays, sync_public_holidays
from config_data.models import ClosedDay, ClosedDaySource, Location
from tests import factories

pytestmark = pytest.mark.django_db

JUNE = date(2026, 6, 1)
# Denmark's public holidays in 2026 and 2027: Easter moves (5 April 2026, 28 March 2027),
# and Maundy Thursday to Whit Monday move with it.
DK_2026 = {
    date(2026, 1, 1),
    date(2026, 4, 2),  # Maundy Thursday
    date(2026, 4, 3),  # Good Friday
    date(2026, 4, 5),  # Easter Sunday
    date(2026, 4, 6),  # Easter Monday
    date(2026, 5, 14),  # Ascension Day (Easter + 39)
    date(2026, 5, 24),  # Whit Sunday
    date(2026, 5, 25),  # Whit Monday
    date(2026, 12, 25),
    date(2026, 12, 26),
}
DK_2027 = {
    date(2027, 1, 1),
    date(2027, 3, 25),
    date(2027, 3, 26),
    date(2027, 3, 28),
    date(2027, 3, 29),
    date(2027, 5, 6),
    date(2027, 5, 16),
    date(2027, 5, 17),
    date(2027, 12, 25),
    date(2027, 12, 26),
}


def danish(**kwargs) -> Location:
    return factories.location(holiday_country="DK", **kwargs)


def days(location: Location) -> dict[date, ClosedDay]:
    return {day.date: day for day in ClosedDay.objects.filter(location=location)}


def test_danish_holidays_are_imported_for_this_year_and_next():
    """All twenty days of 2026 and 2027, Easter-based ones included, named in the site's
    language (English) and marked as imported; nothing of 2028."""
    location = danish()
    result = sync_public_holidays(location, today=JUNE)
    imported = days(location)
    assert set(imported) == DK_2026 | DK_2027
    assert result == SyncResult(added=20)
    assert imported[date(2026, 12, 25)].reason == "Christmas Day"
    assert imported[date(2027, 3, 26)].reason == "Good Friday"
    assert {d.source for d in imported.values()} == {ClosedDaySource.PUBLIC_HOLIDAY}
    assert not any(d.open_anyway for d in imported.values())


@pytest.mark.parametrize(
    ("language", "name"),
    [("da", "Juledag"), ("de", "Juledag")],  # no German names for Denmark: its own language
)
def test_names_follow_the_site_language_or_the_countrys_own(settings, language, name):
    """The reason is in the site's language when the package has it, else in the country's."""
    settings.LANGUAGE_CODE = language
    location = danish()
    sync_public_holidays(location, today=JUNE)
    assert days(location)[date(2026, 12, 25)].reason == name


def test_a_german_location_in_the_site_language_when_translated(settings):
    """German holidays for a German site come in German (the package's 'de')."""
    settings.LANGUAGE_CODE = "de"
    location = factories.location(holiday_country="DE")
    sync_public_holidays(location, today=JUNE)
    assert days(location)[date(2026, 10, 3)].reason == "Tag der Deutschen Einheit"


def test_a_region_adds_its_own_holidays():
    """Bavaria closes on Epiphany and Corpus Christi, Berlin on Women's Day: not the other."""
    bavaria = factories.location(holiday_country="DE", holiday_subdivision="BY")
    berlin = factories.location(holiday_country="DE", holiday_subdivision="BE")
    sync_public_holidays(bavaria, today=JUNE)
    sync_public_holidays(berlin, today=JUNE)
    in_bavaria, in_berlin = set(days(bavaria)), set(days(berlin))
    assert {date(2026, 1, 6), date(2026, 6, 4)} <= in_bavaria - in_berlin
    assert date(2026, 3, 8) in in_berlin - in_bavaria
    assert date(2026, 10, 3) in in_bavaria & in_berlin  # national


def test_a_second_import_changes_nothing_and_keeps_the_catalog():
    """Idempotent: the same rows, no write, so the configuration token stays."""
    location = danish()
    sync_public_holidays(location, today=JUNE)
    before = list(ClosedDay.objects.values_list("pk", "date", "reason", "source"))
    token = catalog.current_token()
    assert sync_public_holidays(location, today=JUNE) == SyncResult()
    assert list(ClosedDay.objects.values_list("pk", "date", "reason", "source")) == before
    assert catalog.current_token() == token


def test_a_day_staff_opened_on_stays_open_through_imports():
    """Opening on an imported holiday survives the next import: same row, still open."""
    location = danish()
    sync_public_holidays(location, today=JUNE)
    christmas = ClosedDay.objects.get(location=location, date=date(2026, 12, 25))
    christmas.open_anyway = True
    christmas.save()
    assert sync_public_holidays(location, today=JUNE) == SyncResult()
    christmas.refresh_from_db()
    assert christmas.open_anyway
    assert christmas.date not in ClosedDay.objects.closed().values_list("date", flat=True)


def test_days_staff_added_are_never_touched():
    """A manual day on a holiday's date stays manual with its own reason; a manual day on
    an ordinary date stays too, even once the country is cleared."""
    location = danish()
    party = ClosedDay.objects.create(location=location, date=date(2026, 12, 25), reason="Party")
    move = ClosedDay.objects.create(location=location, date=date(2026, 8, 3), reason="Moving")
    result = sync_public_holidays(location, today=JUNE)
    assert result.added == 19  # every holiday but the one staff had already closed
    for day in (party, move):
        day.refresh_from_db()
        assert day.source == ClosedDaySource.MANUAL
    assert party.reason == "Party"
    location.holiday_country = ""
    location.save()
    assert sync_public_holidays(location, today=JUNE) == SyncResult(removed=19)
    assert set(days(location)) == {party.date, move.date}


def test_a_renamed_holiday_gets_its_name_back_and_a_dropped_one_goes():
    """An imported day whose name differs is renamed; one no longer a holiday (here, after
    moving the branch from Bavaria to Berlin) is removed, open or not."""
    location = factories.location(holiday_country="DE", holiday_subdivision="BY")
    sync_public_holidays(location, today=JUNE)
    ClosedDay.objects.filter(location=location, date=date(2026, 10, 3)).update(reason="Unity")
    ClosedDay.objects.filter(location=location, date=date(2026, 1, 6)).update(open_anyway=True)
    location.holiday_subdivision = "BE"
    location.save()
    result = sync_public_holidays(location, today=JUNE)
    imported = days(location)
    assert imported[date(2026, 10, 3)].reason == "German Unity Day"
    assert date(2026, 1, 6) not in imported
    assert date(2026, 3, 8) in imported
    assert result.renamed == 1
    assert result.added == 2  # Women's Day 2026 and 2027
    assert result.removed == 6  # Epiphany, Corpus Christi, All Saints' Day, twice each


def test_the_window_moves_with_the_year_and_old_days_stay():
    """On 1 January 2027 (Copenhagen) the window is 2027 and 2028: 2028 is added, 2026 kept."""
    location = danish()
    sync_public_holidays(location, today=JUNE)
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Copenhagen
    with time_machine.travel(new_year, tick=False):
        changed = housekeeping.import_public_holidays(timezone.now())
    imported = set(days(location))
    assert imported >= DK_2026
    assert imported >= DK_2027
    assert {date(2028, 1, 1), date(2028, 4, 16), date(2028, 12, 26)} <= imported  # Easter 16 April
    assert changed == 10  # 2028's ten days, nothing else
    assert not any(d.year == 2029 for d in imported)


def test_each_location_imports_on_its_own_date_and_a_failing_one_stops_none(monkeypatch):
    """At 23:30 UTC on 31 December it is already the new year in Copenhagen, not yet in New
    York; and a location whose holidays cannot be read is logged and skipped."""
    copenhagen = danish()
    new_york = factories.location(holiday_country="US", timezone="America/New_York")
    broken = factories.location(holiday_country="SE")
    real = holidays.public_holidays

    def failing_for_sweden(country: str, subdivision: str, years: range) -> dict:
        if country == "SE":
            raise RuntimeError("no calendar")
        return real(country, subdivision, years)

    monkeypatch.setattr(holidays, "public_holidays", failing_for_sweden)
    sync_all_public_holidays(now=datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert max(days(copenhagen)).year == 2028
    assert max(days(new_york)).year == 2027
    assert days(broken) == {}


def test_an_unknown_country_is_refused_naming_the_field():
    """A country the package does not know is a holiday_country error, not a 500."""
    location = Location(name="Nowhere", holiday_country="XX")
    with pytest.raises(ValidationError) as refused:
        location.full_clean()
    assert "holiday_country" in refused.value.message_dict


@pytest.mark.parametrize(
    ("country", "subdivision", "says"),
    [
        ("DE", "ZZ", "BY"),  # lists the valid codes
        ("", "BY", "country"),
        ("DK", "84", "no regions"),
        ("DE", "Bayern", "BY"),  # the name is an alias, not the code
    ],
)
def test_a_region_that_does_not_fit_is_refused_naming_the_field(country, subdivision, says):
    """An unknown region, a region without a country, or one for a country without regions
    is a holiday_subdivision error saying what would do."""
    location = Location(name="Somewhere", holiday_country=country, holiday_subdivision=subdivision)
    with pytest.raises(ValidationError) as refused:
        location.full_clean()
    errors = refused.value.message_dict
    assert list(errors) == ["holiday_subdivision"]
    assert says in errors["holiday_subdivision"][0]


def test_a_valid_region_passes():
    """DE with BY is accepted as it is."""
    Location(name="Munich", holiday_country="DE", holiday_subdivision="BY").full_clean()


def test_only_an_imported_holiday_can_be_open_anyway():
    """A staff-added day marked open is a field error in a form and refused by the database."""
    location = factories.location()
    day = ClosedDay(location=location, date=date(2026, 8, 3), open_anyway=True)
    with pytest.raises(ValidationError) as refused:
        day.full_clean()
    assert list(refused.value.message_dict) == ["open_anyway"]
    with pytest.raises(IntegrityError), transaction.atomic():
        day.save()
    day.source = ClosedDaySource.PUBLIC_HOLIDAY
    day.full_clean()
    day.save()
    assert ClosedDay.objects.closed().count() == 0


def test_country_choices_name_the_countries():
    """The admin's select lists every supported country by name with its code."""
    choices = dict(holidays.country_choices())
    assert choices["DK"] == "Denmark (DK)"
    assert choices["BA"] == "Bosnia and Herzegovina (BA)"
    assert len(choices) > 100


def test_a_country_cleared_behind_the_admins_back_loses_its_imported_days():
    """Cleared by a bulk update (no admin save): the engine's run still removes the imported
    days of this year and next, keeps older ones and the days staff added."""
    location = danish()
    sync_public_holidays(location, today=JUNE)
    old = ClosedDay.objects.create(
        location=location, date=date(2025, 12, 25), source=ClosedDaySource.PUBLIC_HOLIDAY
    )
    manual = ClosedDay.objects.create(location=location, date=date(2026, 8, 3))
    Location.objects.filter(pk=location.pk).update(holiday_country="")
    result = sync_all_public_holidays(now=datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    assert result == SyncResult(removed=20)
    assert set(days(location)) == {old.date, manual.date}


def test_an_import_reads_the_country_under_its_lock_not_from_a_stale_location():
    """The location was loaded as Danish, then changed to Bavaria (another admin, say)
    before the import ran: the import follows the row as it is now, not the stale object."""
    location = danish()
    Location.objects.filter(pk=location.pk).update(holiday_country="DE", holiday_subdivision="BY")
    sync_public_holidays(location, today=JUNE)
    imported = set(days(location))
    assert date(2026, 1, 6) in imported  # Epiphany, Bavarian
    assert date(2026, 4, 2) not in imported  # Maundy Thursday, Danish only


def test_a_country_cleared_after_loading_imports_nothing():
    """Danish when loaded, no country by the time the import locks the row: nothing is
    imported, and what was imported before is removed."""
    location = danish()
    sync_public_holidays(location, today=JUNE)
    assert len(days(location)) == 20
    Location.objects.filter(pk=location.pk).update(holiday_country="")
    result = sync_public_holidays(location, today=JUNE)
    assert (result.added, result.removed) == (0, 20)
    assert days(location) == {}
