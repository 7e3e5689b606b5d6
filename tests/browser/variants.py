"""What the customer-facing browser tests vary: language, width and scripts, and the site's
own translations of what they read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import translation

PHONE, DESKTOP = 390, 1280

# Every language, width and script setting appears; pairs rather than all eight runs.
VARIANTS = [
    pytest.param("en", PHONE, True, id="en-phone-js"),
    pytest.param("en", DESKTOP, False, id="en-desktop-nojs"),
    pytest.param("de", PHONE, False, id="de-phone-nojs"),
    pytest.param("de", DESKTOP, True, id="de-desktop-js"),
]


def gettext_in(language: str) -> Callable[[str], str]:
    """The site's own translation of a UI string, so the test reads what a user would."""

    def t(message: str) -> str:
        with translation.override(language):
            return translation.gettext(message)

    return t
