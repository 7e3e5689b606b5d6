"""Branches: locations with their hours, closed days and rooms."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from config_data.admin.base import (
    OWN_ADDRESS,
    BranchScopedAdmin,
    LocalInline,
    SimpleHistoryAdmin,
    WeeklyIntervalAdmin,
    WeeklyIntervalFormSet,
)
from config_data.models import ClosedDay, Location, OpeningHours, Room, RoomFeature
from config_data.resources import OpeningHoursResource, RoomResource


class OpeningHoursInline(LocalInline):
    model = OpeningHours
    formset = WeeklyIntervalFormSet
    extra = 0


class ClosedDayInline(LocalInline):
    model = ClosedDay
    extra = 0


class RoomInline(LocalInline):
    model = Room
    fields = ["name", "capacity", "active"]
    extra = 0
    show_change_link = True


@admin.register(Location)
class LocationAdmin(BranchScopedAdmin, SimpleHistoryAdmin):
    location_lookup = "pk"
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
class RoomAdmin(BranchScopedAdmin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [RoomResource]
    list_display = ["name", "location", "capacity", "active"]
    list_filter = ["location", "active", "features"]
    list_select_related = ["location"]
    search_fields = ["name", "location__name"]
    filter_horizontal = ["features"]
    fieldsets = [
        (None, {"fields": ["name", "location", "capacity", "features", "active"]}),
        (
            OWN_ADDRESS,
            {
                "fields": ["timezone", "street", "postal_code", "city", "country"],
                "classes": ["collapse"],
            },
        ),
    ]


@admin.register(RoomFeature)
class RoomFeatureAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(WeeklyIntervalAdmin):
    resource_classes = [OpeningHoursResource]
    list_display = ["location", "weekday", "start_time", "end_time"]
    list_filter = ["location", "weekday"]
    list_select_related = ["location"]


@admin.register(ClosedDay)
class ClosedDayAdmin(BranchScopedAdmin, SimpleHistoryAdmin):
    list_display = ["date", "location", "reason"]
    list_filter = ["location"]
    list_select_related = ["location"]
    date_hierarchy = "date"
