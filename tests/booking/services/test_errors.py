"""booking.errors as the services raise them: stable codes, messages in every language."""

from __future__ import annotations

import pytest

from booking.errors import InvalidRequest
from tests.booking.services.helpers import (
    HOUR,
    TEN,
    reserve,
)


class TestErrorCatalogue:
    def test_an_error_carries_a_stable_code_and_a_message_in_the_active_language(self, world):
        """The website shows the catalogue message translated; the API gets it in English."""
        from django.utils import translation

        from booking.api.errors import english

        reserve(world, token="abc")
        with pytest.raises(InvalidRequest) as error:
            reserve(world, token="abc", start=TEN + 2 * HOUR)
        assert (error.value.code, error.value.field) == ("token_reused", "token")
        with translation.override("de"):
            assert error.value.message == (
                "Dieses Token wurde bereits für ein anderes Zeitfenster verwendet."
            )
            assert english(error.value) == "This token was already used for a different time slot."

    def test_every_catalogue_message_is_translated(self):
        """German and Danish have each message of the catalogue."""
        from django.utils import translation

        from booking.errors import MESSAGES

        for language in ("de", "da"):
            with translation.override(language):
                untranslated = [
                    code for code, text in MESSAGES.items() if _english(text) == str(text)
                ]
            assert untranslated == [], language


def _english(text):
    from django.utils import translation

    with translation.override("en"):
        return str(text)
