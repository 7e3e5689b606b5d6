"""Employees with their working hours and absences."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from config_data.admin.base import (
    OWN_ADDRESS,
    LocalInline,
    SimpleHistoryAdmin,
    WeeklyIntervalAdmin,
    WeeklyIntervalFormSet,
    ZoneAwareAdmin,
)
from config_data.admin.widgets import local_time
from config_data.models import Absence, Employee, WorkingHours
from config_data.resources import EmployeeResource, WorkingHoursResource


class WorkingHoursInline(LocalInline):
    model = WorkingHours
    formset = WeeklyIntervalFormSet
    extra = 0


class AbsenceInline(LocalInline):
    model = Absence
    extra = 0


@admin.register(Employee)
class EmployeeAdmin(ZoneAwareAdmin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [EmployeeResource]
    administrator_fields = ("user",)
    list_display = ["name", "title", "location", "email", "physical", "online", "phone", "active"]
    list_filter = ["location", "active", "physical", "online", "phone", "topics"]
    list_select_related = ["location"]
    search_fields = ["name", "email", "title"]
    autocomplete_fields = ["user"]
    inlines = [WorkingHoursInline, AbsenceInline]
    fieldsets = [
        (None, {"fields": ["name", "title", "email", "user", "location", "active"]}),
        (_("Meeting types offered"), {"fields": ["physical", "online", "phone"]}),
        (_("Online meetings"), {"fields": ["online_meeting_link"]}),
        (
            OWN_ADDRESS,
            {
                "fields": ["timezone", "street", "postal_code", "city", "country"],
                "classes": ["collapse"],
            },
        ),
    ]

    def object_zone(self, obj: Employee) -> str:
        return obj.effective_timezone  # the absences inline reads and shows times there


@admin.register(WorkingHours)
class WorkingHoursAdmin(WeeklyIntervalAdmin):
    resource_classes = [WorkingHoursResource]
    location_lookup = "employee__location"
    list_display = ["employee", "weekday", "start_time", "end_time"]
    list_filter = [
        "employee__location",
        "weekday",
        ("employee", admin.RelatedOnlyFieldListFilter),  # a manager's own employees only
    ]
    list_select_related = ["employee"]
    search_fields = ["employee__name"]


@admin.register(Absence)
class AbsenceAdmin(ZoneAwareAdmin, SimpleHistoryAdmin):
    location_lookup = "employee__location"
    list_display = ["employee", "local_start", "local_end", "reason"]
    list_filter = ["employee__location", ("employee", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["employee__location"]
    search_fields = ["employee__name", "reason"]
    date_hierarchy = "start"

    def object_zone(self, obj: Absence) -> str:
        return obj.employee.effective_timezone

    @admin.display(description=_("start"), ordering="start")
    def local_start(self, obj: Absence) -> str:
        return local_time(obj.start, obj.employee.effective_timezone)

    @admin.display(description=_("end"), ordering="end")
    def local_end(self, obj: Absence) -> str:
        return local_time(obj.end, obj.employee.effective_timezone)
