"""Django admin for everything staff configure."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config_data.models import (
    Absence,
    ClosedDay,
    CustomerCategory,
    Employee,
    InformationQuestion,
    Location,
    MeetingTopic,
    OpeningHours,
    Room,
    RoomFeature,
    WorkingHours,
    locations_without_rooms,
    overlapping_weekly_intervals,
)


class WeeklyIntervalFormSet(forms.BaseInlineFormSet):
    """Refuses two intervals that overlap on the same weekday, naming the one that does."""

    start_field = "start"
    end_field = "end"

    def clean(self) -> None:
        super().clean()
        rows: list[tuple[int, Any, Any]] = []
        forms_by_row = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            row = (data["weekday"], data[self.start_field], data[self.end_field])
            rows.append(row)
            forms_by_row[row] = form
        clash = overlapping_weekly_intervals(rows)
        if clash is not None:
            forms_by_row[clash].add_error(
                self.start_field, _("This overlaps another interval on the same weekday.")
            )
            raise ValidationError(_("Intervals on the same weekday must not overlap."))


class OpeningHoursFormSet(WeeklyIntervalFormSet):
    start_field = "opens"
    end_field = "closes"


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 0


class RoomInline(admin.TabularInline):
    model = Room
    fields = ["name", "capacity", "active"]
    extra = 0
    show_change_link = True


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "timezone", "room_count", "employee_count"]
    search_fields = ["name", "city", "street"]
    inlines = [OpeningHoursInline, ClosedDayInline, RoomInline]
    fieldsets = [
        (None, {"fields": ["name", "timezone"]}),
        (_("Address"), {"fields": ["street", "postal_code", "city", "country"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Location]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                rooms_n=Count("rooms", distinct=True), employees_n=Count("employees", distinct=True)
            )
        )

    @admin.display(description=_("rooms"), ordering="rooms_n")
    def room_count(self, obj: Location) -> int:
        return obj.rooms_n  # type: ignore[attr-defined]

    @admin.display(description=_("employees"), ordering="employees_n")
    def employee_count(self, obj: Location) -> int:
        return obj.employees_n  # type: ignore[attr-defined]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "capacity", "active"]
    list_filter = ["location", "active", "features"]
    search_fields = ["name", "location__name"]
    filter_horizontal = ["features"]
    fieldsets = [
        (None, {"fields": ["name", "location", "capacity", "features", "active"]}),
        (
            _("Own address and time zone (leave blank to use the location's)"),
            {
                "fields": ["timezone", "street", "postal_code", "city", "country"],
                "classes": ["collapse"],
            },
        ),
    ]


@admin.register(RoomFeature)
class RoomFeatureAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(CustomerCategory)
class CustomerCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WeeklyIntervalFormSet
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "location", "email", "physical", "online", "phone", "active"]
    list_filter = ["location", "active", "physical", "online", "phone", "topics"]
    search_fields = ["name", "email", "title"]
    autocomplete_fields = ["user"]
    inlines = [WorkingHoursInline, AbsenceInline]
    # A meeting link typed without a scheme is an https link (Django 6's default too).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "title", "email", "user", "location", "active"]}),
        (_("Meeting types offered"), {"fields": ["physical", "online", "phone"]}),
        (_("Online meetings"), {"fields": ["online_meeting_link"]}),
        (
            _("Own address and time zone (leave blank to use the location's)"),
            {
                "fields": ["timezone", "street", "postal_code", "city", "country"],
                "classes": ["collapse"],
            },
        ),
    ]


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
class MeetingTopicAdmin(admin.ModelAdmin):
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
