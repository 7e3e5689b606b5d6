"""A booking profile's {{variables}}: which fields the customer fills in, and the texts with
their values put in. Pure: no ORM, no escaping (templates escape HTML where they show it).

The syntax, as staff write it in a profile's subject and description:

- ``{{name}}``: the customer must fill in "name";
- ``{{company|our customer}}``: optional; left empty, "our customer" stands there instead
  (``{{company|}}``: optional, nothing stands there).

A variable is required unless one of its places gives a default. Names are letters, digits
and underscores, starting with a letter, matched without regard to case. Anything else
between double braces is an error the profile's validation names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Up to the first "}}": a default may not contain "}}" (nor "{{", kept simple on purpose).
PLACEHOLDER = re.compile(r"\{\{(?P<body>(?:(?!\{\{|\}\}).)*?)\}\}", re.DOTALL)
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
# The longest value a customer may give for one variable (service, form and API read it).
FIELD_MAX_LENGTH = 500
MAX_FIELDS = 10


@dataclass(frozen=True)
class ProfileField:
    """One field the customer fills in (the seed's additionalFields entry)."""

    name: str
    required: bool
    default: str = ""

    @property
    def label(self) -> str:
        """ "company_name" -> "Company name": the form's label."""
        words = self.name.replace("_", " ").strip()
        return words[:1].upper() + words[1:]


def _split(body: str) -> tuple[str, str | None]:
    """The name and the default (None: no default) of one placeholder's inside."""
    name, bar, default = body.partition("|")
    return name.strip().lower(), (default.strip() if bar else None)


def template_errors(text: str) -> list[str]:
    """The placeholders that are not ``{{name}}`` or ``{{name|default}}``, as written."""
    return [
        match.group(0)
        for match in PLACEHOLDER.finditer(text or "")
        if not NAME.fullmatch(match.group("body").partition("|")[0].strip())
    ]


def template_fields(texts: Iterable[str]) -> list[ProfileField]:
    """The variables of these texts in order of first appearance; malformed ones skipped."""
    order: list[str] = []
    defaults: dict[str, str | None] = {}
    for text in texts:
        for match in PLACEHOLDER.finditer(text or ""):
            name, default = _split(match.group("body"))
            if not NAME.fullmatch(name):
                continue
            if name not in defaults:
                order.append(name)
                defaults[name] = default
            elif defaults[name] is None and default is not None:
                defaults[name] = default
    return [
        ProfileField(name=name, required=defaults[name] is None, default=defaults[name] or "")
        for name in order
    ]


def render_template(text: str, values: Mapping[str, str]) -> str:
    """The text with each ``{{name}}`` replaced by its value, else by its default, else by
    nothing. Malformed placeholders stay as written (validation refuses them earlier)."""

    def replace(match: re.Match[str]) -> str:
        name, default = _split(match.group("body"))
        if not NAME.fullmatch(name):
            return match.group(0)
        return values.get(name) or default or ""

    return PLACEHOLDER.sub(replace, text or "")
