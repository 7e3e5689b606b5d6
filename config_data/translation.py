"""What customers read, in every language of the site (django-modeltranslation).

Each language is a plain column (name_en, name_de, name_da): no joins, so the catalog
snapshot (booking/catalog.py) and the searches load exactly what they loaded before, and
`topic.name` resolves to the active language at each access, even on a kept instance.
A missing translation falls back to English, then to any language filled in
(MODELTRANSLATION_FALLBACK_LANGUAGES).

The historical models (simple-history) get the same columns: a version records every
language, and simple-history builds a version from all of the model's fields.

A translated name is unique through a UniqueConstraint naming it, never unique=True (which
would bind the original column too): modeltranslation copies the constraint to each
language's column, and _unique_per_language() drops it from the original column. That one
holds whichever language was saved last (modeltranslation writes the active language's
value there), so Danish "Rente" on one topic and German "Rente" on another would collide
in it. An empty translation is NULL, so a language's names are unique among those given.
Nothing reads the original column: readers take the attribute or ShownText.

Lists are ordered by the name as shown (ShownText), not by the active language's column
alone, which is NULL wherever a translation is missing and would leave such rows in no
particular order (and first on one database, last on the other).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models
from django.db.models import CharField, Expression, F
from django.db.models.functions import Coalesce
from modeltranslation.settings import FALLBACK_LANGUAGES
from modeltranslation.translator import TranslationOptions, translator
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order

from config_data.models import (
    CustomerCategory,
    InformationQuestion,
    Location,
    MeetingTopic,
    Room,
    RoomFeature,
)


class NameOptions(TranslationOptions):
    fields = ("name",)
    # An empty translation is NULL, not "": names are unique, and many rows lack one.
    empty_values = {"name": None}


class NameAndDescriptionOptions(TranslationOptions):
    fields = ("name", "description")
    empty_values = {"name": None}


class QuestionOptions(TranslationOptions):
    fields = ("text", "help_text")


TRANSLATED: dict[type[models.Model], type[TranslationOptions]] = {
    MeetingTopic: NameAndDescriptionOptions,
    CustomerCategory: NameAndDescriptionOptions,
    Location: NameOptions,
    Room: NameOptions,
    RoomFeature: NameOptions,
    InformationQuestion: QuestionOptions,
}


class ShownText(Expression):
    """A translated field as the active language shows it: its column, then the fallback
    languages' (modeltranslation's own order). Resolved when the query is compiled, so
    one queryset (or a model's default ordering) serves every language."""

    output_field = CharField()

    def __init__(self, field: str, prefix: str = "") -> None:
        super().__init__()
        self.translated, self.prefix = field, prefix

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.prefix + self.translated!r})"

    def prefix_references(self, prefix: str) -> ShownText:
        """Ordering by a relation (Room by "location") reaches the related model's name."""
        return ShownText(self.translated, prefix + self.prefix)

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Any:
        columns = [
            F(self.prefix + build_localized_fieldname(self.translated, code))
            for code in resolution_order(get_language(), FALLBACK_LANGUAGES)
        ]
        shown = Coalesce(*columns, output_field=CharField()) if len(columns) > 1 else columns[0]
        return shown.resolve_expression(*args, **kwargs)


def _shown_ordering(ordering: list[Any], fields: Sequence[str]) -> list[Any]:
    """The model's ordering with each translated field as shown (see ShownText)."""
    result: list[Any] = []
    for item in ordering:
        name = item.removeprefix("-") if isinstance(item, str) else ""
        if name in fields:
            shown = ShownText(name)
            result.append(shown.desc() if item.startswith("-") else shown.asc())
        else:
            result.append(item)
    return result


def _unique_per_language(model: type[models.Model], fields: Sequence[str]) -> None:
    """Drops each UniqueConstraint on an original column: modeltranslation has copied it to
    every language's column (`<name>-<lang>`), where it belongs."""
    model._meta.constraints = [
        constraint
        for constraint in model._meta.constraints
        if not (
            isinstance(constraint, models.UniqueConstraint) and set(constraint.fields) & set(fields)
        )
    ]
    # Computed from the constraints on first use; drop one computed before this change.
    model._meta.__dict__.pop("total_unique_constraints", None)


for model, options in TRANSLATED.items():
    translator.register(model, options)
    _unique_per_language(model, options.fields)
    history = getattr(model, "history", None)
    if history is not None:
        translator.register(history.model, options)
    # Only the runtime ordering changes: migrations read Meta's original attributes.
    model._meta.ordering = _shown_ordering(list(model._meta.ordering or []), options.fields)
