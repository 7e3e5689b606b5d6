"""Meeting topics with their information questions, and customer categories."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from config_data.admin.base import SimpleHistoryAdmin
from config_data.models import (
    CustomerCategory,
    InformationQuestion,
    MeetingTopic,
    locations_without_rooms,
)


# Texts customers read are edited in every language at once, one field per language
# (config_data/translation.py). Not the tabbed variant: it loads jQuery UI from a CDN,
# which the admin's CSP refuses.
@admin.register(CustomerCategory)
class CustomerCategoryAdmin(TranslationAdmin):
    list_display = ["name", "description"]
    search_fields = ["name_en", "name_de", "name_da"]


class InformationQuestionInline(TranslationTabularInline):
    model = InformationQuestion
    extra = 0


class MeetingTopicForm(forms.ModelForm):
    class Meta:
        model = MeetingTopic
        exclude: list[str] = []  # every field; the admin fieldsets choose the layout

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("physical") and data.get("requires_room") and data.get("employees"):
            missing = locations_without_rooms(list(data["employees"]))
            if missing:
                self.add_error(
                    "employees",
                    _(
                        "In-person meetings on this topic need a room, but %(locations)s "
                        "has no active room. Add a room there, or untick 'needs a room'."
                    )
                    % {"locations": ", ".join(str(loc) for loc in missing)},
                )
        # Features are asked of the room an in-person meeting takes: without one, of nothing.
        if data.get("required_room_features") and not (
            data.get("physical") and data.get("requires_room")
        ):
            self.add_error(
                "required_room_features",
                _("Only an in-person meeting that needs a room can require room features."),
            )
        return data


@admin.register(MeetingTopic)
class MeetingTopicAdmin(TranslationAdmin, SimpleHistoryAdmin):
    form = MeetingTopicForm
    list_display = [
        "name",
        "duration",
        "physical",
        "online",
        "phone",
        "customer_bookable",
        "capacity",
        "active",
    ]
    list_filter = ["active", "customer_bookable", "physical", "online", "phone"]
    search_fields = ["name_en", "name_de", "name_da", "description_en"]
    filter_horizontal = ["employees", "customer_categories", "required_room_features"]
    inlines = [InformationQuestionInline]
    fieldsets = [
        (None, {"fields": ["name", "description", "active", "duration"]}),
        (
            _("How it can be held"),
            {
                "fields": [
                    "physical",
                    "online",
                    "phone",
                    "requires_room",
                    "required_room_features",
                ]
            },
        ),
        (
            _("Who"),
            {"fields": ["employees", "customer_bookable", "customer_categories", "capacity"]},
        ),
        (
            _("Scheduling"),
            {
                "fields": [
                    "slot_step",
                    "buffer_before",
                    "buffer_after",
                    "minimum_notice",
                    "booking_horizon",
                    "change_cutoff",
                ]
            },
        ),
        (_("Reminders"), {"fields": ["reminder_offsets"]}),
    ]
