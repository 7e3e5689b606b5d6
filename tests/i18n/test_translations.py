"""German and Danish: every string translated, compiled, and shown when the language is chosen."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories

LOCALE = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def _unquote(text: str) -> str:
    body = text.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _extend(entry: Entry, target: tuple[str, int], text: str, *, start: bool = False) -> None:
    """Start (a keyword line) or continue (a quoted line) the field `target` names."""
    keyword, index = target
    if keyword == "msgstr":
        entry.msgstr[index] = ("" if start else entry.msgstr[index]) + text
    elif keyword != "msgctxt":
        setattr(entry, keyword, ("" if start else getattr(entry, keyword)) + text)


def read_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for the checks below, with no gettext tools needed."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry, target = Entry(), None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry.obsolete = True
            elif line.startswith("#,"):
                entry.flags = {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif match := re.match(
                r"^(msgid_plural|msgid|msgctxt|msgstr)(?:\[(\d)\])? (\".*\")$", line
            ):
                keyword, index, text = match.groups()
                target = (keyword, int(index or 0))
                _extend(entry, target, _unquote(text), start=True)
            elif line.startswith('"') and target is not None:
                _extend(entry, target, _unquote(line))
        entries.append(entry)
    return [e for e in entries if e.msgid and not e.obsolete]


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    """No msgid is left empty or marked fuzzy (a fuzzy entry is never shown)."""
    entries = read_po(po_path(language))
    assert len(entries) > 200  # the site's strings are there, not an empty catalogue
    untranslated = [e.msgid for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    plural_gaps = [e.msgid for e in entries if e.msgid_plural is not None and len(e.msgstr) < 2]
    assert untranslated == []
    assert fuzzy == []
    assert plural_gaps == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_kept(language):
    """A translation uses exactly the msgid's placeholders, so formatting never fails."""
    for entry in read_po(po_path(language)):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in entry.msgstr.values():
            assert sorted(PLACEHOLDER.findall(text)) == expected, (entry.msgid, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po_file(language):
    """The committed .mo is compiled from the current .po: nothing at run time needs gettext."""
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in read_po(po_path(language)):
        if entry.msgid_plural is None:
            assert catalogue.gettext(entry.msgid) == entry.msgstr[0], entry.msgid
        else:
            assert catalogue.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr[0]
            assert catalogue.ngettext(entry.msgid, entry.msgid_plural, 5) == entry.msgstr[1]


TEMPLATE_STRING = re.compile(r"""{%\s*(?:translate|trans)\s+(?:"([^"]+)"|'([^']+)')""")
PYTHON_STRING = re.compile(r"""\b_\(\s*(?:"([^"\n]+)"|'([^'\n]+)')\s*[,)]""")


def literal_strings() -> dict[str, str]:
    """The literal UI strings of our templates and code, each with where it was found."""
    base = Path(settings.BASE_DIR)
    found: dict[str, str] = {}
    sources = [(p, TEMPLATE_STRING) for p in (base / "templates").rglob("*.html")]
    sources += [(p, TEMPLATE_STRING) for p in (base / "templates").rglob("*.txt")]
    for package in ("booking", "config_data", "bookme_site"):
        sources += [
            (p, PYTHON_STRING)
            for p in (base / package).rglob("*.py")
            if "migrations" not in p.parts
        ]
    for path, pattern in sources:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1) or match.group(2), str(path.relative_to(base)))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_literal_ui_string_is_missing_from_the_catalogue(language):
    """A string added to a template or to the code after the last makemessages is caught here."""
    catalogue = {entry.msgid for entry in read_po(po_path(language))}
    strings = literal_strings()
    assert len(strings) > 100
    missing = {text: where for text, where in strings.items() if text not in catalogue}
    assert missing == {}, "run makemessages and translate these"


# Tuesday 2 June 2026, 10:00 Copenhagen; the clock stands on Monday 1 June, 08:00.
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)

PAGES = {
    "de": ["Termin buchen", "Zum Inhalt springen", "Sprache", "Ich bin", "Themen für "],
    "da": ["Book et møde", "Gå til indhold", "Sprog", "Jeg er", "Emner for "],
}
PICKER = {
    "de": [
        "Zeit wählen",
        "Dienstag",
        "Juni",
        "Frühester freier Termin",
        "Zeitzone Europe/Copenhagen",
    ],
    "da": [
        "Vælg et tidspunkt",
        "tirsdag",
        "juni",
        "Første ledige tid",
        "tidszonen Europe/Copenhagen",
    ],
}


@pytest.fixture
def two_categories(world):
    factories.category("Private")
    factories.category("Business")
    return world


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_landing_page_speaks_the_chosen_language(client, two_categories, language):
    """With the language cookie set (what the switcher does), the page is translated."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("booking:landing")).content.decode()
    assert f'<html lang="{language}">' in html
    for text in PAGES[language]:
        assert text in html, text
    assert "Book a meeting" not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_slot_picker_has_translated_dates_and_shows_the_zone(
    client, world, frozen_clock, language
):
    """Weekdays and months in the language, times with their zone."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("booking:times", args=[world.topic.pk])
    html = client.get(url, {"type": "online", "employee": "any"}).content.decode()
    for text in PICKER[language]:
        assert text in html, text
    assert "10:00" in html  # a 24-hour clock in both


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_switcher_sets_the_language(client, db, language):
    """Posting the switcher's form sets the cookie and the next page follows it."""
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
    assert f'<html lang="{language}">' in client.get("/").content.decode()
