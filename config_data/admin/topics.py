"""Meeting topics with their information questions, and customer categories."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config_data.admin.base import SimpleHistoryAdmin
from config_data.models import (
    CustomerCategory,
    InformationQuestion,
    MeetingTopic,
    locations_without_rooms,
)


@admin.register(CustomerCategory)
class CustomerCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


class InformationQuestionInline(admin.TabularInline):
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
        return data


@admin.register(MeetingTopic)
class MeetingTopicAdmin(SimpleHistoryAdmin):
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
    search_fields = ["name", "description"]
    filter_horizontal = ["employees", "customer_categories"]
    inlines = [InformationQuestionInline]
    fieldsets = [
        (None, {"fields": ["name", "description", "active", "duration"]}),
        (_("How it can be held"), {"fields": ["physical", "online", "phone", "requires_room"]}),
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
