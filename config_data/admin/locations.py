"""Branches: locations with their hours, closed days and rooms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from config_data.admin.base import (
    OWN_ADDRESS,
    BranchScopedAdmin,
    LocalInline,
    SimpleHistoryAdmin,
    WeeklyIntervalAdmin,
    WeeklyIntervalFormSet,
)
from config_data.holidays import (
    SyncResult,
    imported_again,
    local_today,
    sync_public_holidays,
)
from config_data.models import (
    ClosedDay,
    ClosedDaySource,
    Location,
    OpeningHours,
    Room,
    RoomFeature,
)
from config_data.resources import OpeningHoursResource, RoomResource
from config_data.translation import ShownText


class OpeningHoursInline(LocalInline):
    model = OpeningHours
    formset = WeeklyIntervalFormSet
    extra = 0


class ClosedDayFormSet(BaseInlineFormSet):
    """Deleting an imported holiday would not last (the next import brings it back):
    refused, pointing to "open anyway" instead."""

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            day = form.instance
            today = local_today(self.instance, timezone.now())
            if day.pk and imported_again(day, self.instance, today=today):
                raise ValidationError(
                    gettext(
                        "%(date)s is an imported public holiday and would be imported again: "
                        "tick “open anyway” to open on it instead of deleting it."
                    )
                    % {"date": f"{day.date:%Y-%m-%d}"}
                )


class ClosedDayInline(LocalInline):
    model = ClosedDay
    formset = ClosedDayFormSet
    fields = ["date", "reason", "source", "open_anyway"]
    readonly_fields = ["source"]
    extra = 0


class RoomInline(TranslationTabularInline, LocalInline):  # a name per language
    model = Room
    fields = ["name", "capacity", "active"]
    extra = 0
    show_change_link = True


@admin.register(Location)
class LocationAdmin(BranchScopedAdmin, TranslationAdmin, SimpleHistoryAdmin):
    location_lookup = "pk"
    list_display = ["name", "city", "timezone", "room_count", "employee_count"]
    search_fields = ["name_en", "name_de", "name_da", "city", "street"]
    inlines = [OpeningHoursInline, ClosedDayInline, RoomInline]
    actions = ["import_public_holidays"]
    fieldsets = [
        (None, {"fields": ["name", "timezone"]}),
        (_("Address"), {"fields": ["street", "postal_code", "city", "country"]}),
        (
            _("Public holidays"),
            {
                "fields": ["holiday_country", "holiday_subdivision"],
                "description": _(
                    "The location closes on these public holidays this year and next; they "
                    "are imported again by themselves. To open on one, tick “open "
                    "anyway” under closed days."
                ),
            },
        ),
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

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm[Location], formsets: Any, change: bool
    ) -> None:
        # After the inlines: a day staff add in the same save is theirs, not the import's.
        super().save_related(request, form, formsets, change)
        holiday_fields = {"holiday_country", "holiday_subdivision"}
        if holiday_fields & set(form.changed_data):
            self._import(request, form.instance)

    @admin.action(description=_("Import public holidays now"), permissions=["change"])
    def import_public_holidays(self, request: HttpRequest, queryset: QuerySet[Location]) -> None:
        for location in queryset.order_by(ShownText("name").asc()):
            if not location.holiday_country:
                self.message_user(
                    request,
                    gettext("%(location)s takes no public holidays: choose a country first.")
                    % {"location": location},
                    messages.WARNING,
                )
                continue
            self._import(request, location)

    def _import(self, request: HttpRequest, location: Location) -> SyncResult:
        result = sync_public_holidays(location, today=local_today(location, timezone.now()))
        self.message_user(
            request,
            gettext(
                "Public holidays of %(location)s imported. Days added: %(added)s, "
                "removed: %(removed)s, renamed: %(renamed)s."
            )
            % {
                "location": location,
                "added": result.added,
                "removed": result.removed,
                "renamed": result.renamed,
            },
            messages.SUCCESS,
        )
        return result


@admin.register(Room)
class RoomAdmin(BranchScopedAdmin, ImportExportModelAdmin, TranslationAdmin, SimpleHistoryAdmin):
    resource_classes = [RoomResource]
    list_display = ["name", "location", "capacity", "active"]
    list_filter = ["location", "active", "features"]
    list_select_related = ["location"]
    search_fields = ["name_en", "name_de", "name_da", "location__name_en"]
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
class RoomFeatureAdmin(TranslationAdmin):
    search_fields = ["name_en", "name_de", "name_da"]


@admin.register(OpeningHours)
class OpeningHoursAdmin(WeeklyIntervalAdmin):
    resource_classes = [OpeningHoursResource]
    list_display = ["location", "weekday", "start_time", "end_time"]
    list_filter = ["location", "weekday"]
    list_select_related = ["location"]


@admin.register(ClosedDay)
class ClosedDayAdmin(BranchScopedAdmin, SimpleHistoryAdmin):
    list_display = ["date", "location", "reason", "source", "open_anyway"]
    list_filter = ["location", "source", "open_anyway"]
    list_select_related = ["location"]
    readonly_fields = ["source"]
    date_hierarchy = "date"
    actions = ["mark_open", "mark_closed"]

    def has_delete_permission(self, request: HttpRequest, obj: ClosedDay | None = None) -> bool:
        # An imported holiday deleted would come back with the next import: open it instead.
        if obj is not None and imported_again(
            obj, obj.location, today=local_today(obj.location, timezone.now())
        ):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ClosedDay]) -> None:
        # "Delete selected" asks has_delete_permission of each day first; this refuses a
        # bulk delete holding an imported holiday whoever calls it, rather than trusting that.
        now = timezone.now()
        for day in queryset.select_related("location"):
            if imported_again(day, day.location, today=local_today(day.location, now)):
                raise PermissionDenied
        super().delete_queryset(request, queryset)

    @admin.action(description=_("Open on the selected public holidays"), permissions=["change"])
    def mark_open(self, request: HttpRequest, queryset: QuerySet[ClosedDay]) -> None:
        changed = self._set_open(request, queryset, open_anyway=True)
        self.message_user(
            request,
            ngettext(
                "Open on %d public holiday after all.",
                "Open on %d public holidays after all.",
                changed,
            )
            % changed,
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Close again on the selected public holidays"), permissions=["change"]
    )
    def mark_closed(self, request: HttpRequest, queryset: QuerySet[ClosedDay]) -> None:
        changed = self._set_open(request, queryset, open_anyway=False)
        self.message_user(
            request,
            ngettext(
                "Closed again on %d public holiday.", "Closed again on %d public holidays.", changed
            )
            % changed,
            messages.SUCCESS,
        )

    def _set_open(
        self, request: HttpRequest, queryset: QuerySet[ClosedDay], *, open_anyway: bool
    ) -> int:
        # Saved one by one, so that each change is kept in the day's history.
        changed = 0
        for day in queryset.filter(source=ClosedDaySource.PUBLIC_HOLIDAY).exclude(
            open_anyway=open_anyway
        ):
            day.open_anyway = open_anyway
            day.save(update_fields=["open_anyway"])
            changed += 1
        skipped = queryset.exclude(source=ClosedDaySource.PUBLIC_HOLIDAY).count()
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d day was added by staff and is left as it is: delete it to open on it.",
                    "%d days were added by staff and are left as they are: delete one to open "
                    "on it.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )
        return changed
