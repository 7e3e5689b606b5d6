"""Checks on text that the website and the API share: one home for each rule."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Cc: C0/C1 controls (NUL, tab, CR, LF, ESC, DEL...); Zl/Zp: the Unicode line and
# paragraph separators, which some mail clients and calendars also break lines on.
_NOT_IN_A_LINE = {"Cc", "Zl", "Zp"}


def has_line_break_or_control(value: str) -> bool:
    return any(unicodedata.category(char) in _NOT_IN_A_LINE for char in value)


def validate_single_line(value: str) -> None:
    """A customer's name ends up in email headers and invites: one line of printable text."""
    if has_line_break_or_control(value):
        raise ValidationError(
            _("Please use one line without control characters."), code="single_line"
        )
