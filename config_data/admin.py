"""Django admin for everything staff configure.

Branch managers run their own branch here: every list, change page, choice and import
below is limited to the branches `branch_scope` returns for the user (None: all). The
rule itself lives with the roles in the booking app (booking.roles), which installs it
with set_branch_scope() at start-up: config_data imports nothing from booking.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin as BaseHistoryAdmin

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
    timezone_choices,
)
from config_data.resources import (
    EmployeeResource,
    OpeningHoursResource,
    RoomResource,
    WorkingHoursResource,
)

BranchScope = Callable[[Any], "QuerySet[Location] | None"]


def _every_branch(user: Any) -> QuerySet[Location] | None:
    return None


_branch_scope: list[BranchScope] = [_every_branch]


def set_branch_scope(scope: BranchScope) -> None:
    """Install the rule: user -> the branches they may run (None for all)."""
    _branch_scope[0] = scope


def branch_scope(user: Any) -> QuerySet[Location] | None:
    return _branch_scope[0](user)


def is_unrestricted(user: Any) -> bool:
    """An administrator (or superuser): every branch, and the fields kept from the others."""
    return branch_scope(user) is None


class AdministratorFieldsAdmin(admin.ModelAdmin):
    """Fields only an administrator may set (e.g. which user account an employee or a
    customer is): read-only for everyone else, and kept as stored on any save of theirs,
    whatever a form (or a posted history version) carries."""

    administrator_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not is_unrestricted(request.user):
            fields += [f for f in self.administrator_fields if f not in fields]
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and self.administrator_fields and not is_unrestricted(request.user):
            columns = [obj._meta.get_field(name).attname for name in self.administrator_fields]
            stored = type(obj)._default_manager.filter(pk=obj.pk).values(*columns).first()
            for column, value in (stored or {}).items():
                setattr(obj, column, value)
        super().save_model(request, obj, form, change)


class SimpleHistoryAdmin(BaseHistoryAdmin):
    """simple-history's pages, with a list of versions free of inline styles (CSP), and
    reverting for administrators only.

    The library saves a posted version after checking only the *view* permission, with a
    form that leaves view-only fields editable; a version also holds every field, those a
    branch manager may not set among them. So only an administrator may revert."""

    object_history_list_template = "admin/history/object_history_list.html"

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return (
            super().revert_disabled(request, obj)
            or not is_unrestricted(request.user)
            or not self.has_change_permission(request, obj)
        )

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
        if request.method == "POST":
            # Another branch's object answers 404 before anything says it exists.
            if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
                raise Http404(_("No such object."))
            if self.revert_disabled(request):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


# Plain HTML date and time inputs: the admin's own (DateTimeShortcuts) add a "you are N
# hours behind server time" note, wrong here, as every time is in the object's own zone.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
LOCAL_WIDGETS: dict[type[models.Field], dict[str, Any]] = {
    models.DateTimeField: {
        "form_class": forms.SplitDateTimeField,
        "widget": forms.SplitDateTimeWidget(
            date_attrs={"type": "date"},
            time_attrs={"type": "time"},
            date_format="%Y-%m-%d",
            time_format="%H:%M",
        ),
    },
    models.DateField: {"widget": DATE_INPUT},
    models.TimeField: {"widget": TIME_INPUT},
    # A meeting link typed without a scheme is an https link (Django 6's default too).
    models.URLField: {"assume_scheme": "https"},
}


@lru_cache(maxsize=2)
def _zone_choices(inherited: bool) -> list[tuple[str, Any]]:
    first = [("", _("(the location's time zone)"))] if inherited else []
    return [*first, *timezone_choices()]


def timezone_select(*, inherited: bool) -> forms.Select:
    """IANA zones to choose from; with `inherited`, a blank first choice for "as the location"."""
    return forms.Select(choices=_zone_choices(inherited))


class BranchScopedAdmin(AdministratorFieldsAdmin):
    """Limits a branch manager to their branches: lists, change pages (another branch's
    object answers 404), foreign-key choices, history and imports."""

    location_lookup = "location"  # the path from this model to its branch
    formfield_overrides = LOCAL_WIDGETS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        locations = branch_scope(request.user)
        if locations is None:
            return queryset
        return queryset.filter(**{f"{self.location_lookup}__in": locations})

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Not there, or another branch's: the same answer, so nothing leaks.
            raise Http404(_("No such object."))
        return obj

    def formfield_for_dbfield(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "timezone":  # chosen from the IANA list, not typed
            kwargs["widget"] = timezone_select(inherited=db_field.blank)
        return super().formfield_for_dbfield(db_field, request, **zone_help(db_field, kwargs))

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        scoped = scoped_choices(db_field.related_model, request)
        if scoped is not None:
            kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # The history pages are not overridden (a view defined here would take any HTTP method,
    # tests/web/test_view_methods.py); their hooks refuse another branch's object instead.
    def get_history_queryset(
        self, request: HttpRequest, history_manager: Any, pk_name: str, object_id: Any
    ) -> QuerySet[Any]:
        self.get_object(request, str(object_id))  # 404 for another branch's object
        return super().get_history_queryset(  # type: ignore[misc]
            request, history_manager, pk_name, object_id
        )

    def has_view_history_or_change_history_permission(
        self, request: HttpRequest, obj: Any = None
    ) -> bool:
        if obj is not None and not self.get_queryset(request).filter(pk=obj.pk).exists():
            raise Http404(_("No such object."))  # a version of another branch's object
        return super().has_view_history_or_change_history_permission(request, obj)  # type: ignore[misc]

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {**kwargs, "locations": branch_scope(request.user)}

    def get_export_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {**kwargs, "locations": branch_scope(request.user)}


def scoped_choices(model: Any, request: HttpRequest) -> QuerySet[Any] | None:
    """The objects of `model` a foreign key may point to for this user; None: unlimited."""
    locations = branch_scope(request.user)
    if locations is None:
        return None
    if model is Location:
        return Location.objects.filter(pk__in=locations)
    if model is Employee:
        return Employee.objects.filter(location__in=locations)
    if model is Room:
        return Room.objects.filter(location__in=locations)
    return None


def zone_help(db_field: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Say which zone a date-time field is read in (ZoneAwareAdmin's, else the server's)."""
    if isinstance(db_field, models.DateTimeField) and "help_text" not in kwargs:
        kwargs["help_text"] = _("Local time in %(zone)s.") % {
            "zone": timezone.get_current_timezone_name()
        }
    return kwargs


class LocalInline(admin.TabularInline):
    """An inline with the plain date/time inputs and branch-limited choices."""

    formfield_overrides = LOCAL_WIDGETS

    def formfield_for_dbfield(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        return super().formfield_for_dbfield(db_field, request, **zone_help(db_field, kwargs))

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        scoped = scoped_choices(db_field.related_model, request)
        if scoped is not None:
            kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ZoneAwareAdmin(BranchScopedAdmin):
    """Shows and reads the object's date-times in its own zone, not the server's."""

    def object_zone(self, obj: Any) -> str | None:
        return None

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        zone = self.object_zone(self.get_object(request, object_id)) if object_id else None
        if zone is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(zone):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            return render_now(response)


def render_now(response: Any) -> Any:
    """Render a TemplateResponse at once: inside the caller's timezone.override, not later."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    return response


def local_time(moment: datetime | None, zone: str) -> str:
    """A date-time as the object's branch sees it, with the zone's abbreviation."""
    if moment is None:
        return ""
    return timezone.localtime(moment, zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


class WeeklyIntervalFormSet(forms.BaseInlineFormSet):
    """Refuses two intervals that overlap on the same weekday, naming the one that does."""

    def clean(self) -> None:
        super().clean()
        model: Any = self.model
        start_field, end_field = model.start_field, model.end_field
        rows: list[tuple[int, Any, Any]] = []
        forms_by_row = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            row = (data["weekday"], data[start_field], data[end_field])
            rows.append(row)
            forms_by_row[row] = form
        clash = overlapping_weekly_intervals(rows)
        if clash is not None:
            forms_by_row[clash].add_error(
                start_field, _("This overlaps another interval on the same weekday.")
            )
            raise ValidationError(_("Intervals on the same weekday must not overlap."))


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


OWN_ADDRESS = _("Own address and time zone (leave blank to use the location's)")


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


@admin.register(CustomerCategory)
class CustomerCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


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


class WeeklyIntervalAdmin(BranchScopedAdmin, ImportExportModelAdmin, SimpleHistoryAdmin):
    """Hours on their own page too: to import, export and filter them across a branch."""

    list_filter = ["weekday"]

    @admin.display(description=_("from"))
    def start_time(self, obj: Any) -> str:
        return f"{obj.interval[1]:%H:%M}"

    @admin.display(description=_("until"))
    def end_time(self, obj: Any) -> str:
        return f"{obj.interval[2]:%H:%M}"


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


@admin.register(OpeningHours)
class OpeningHoursAdmin(WeeklyIntervalAdmin):
    resource_classes = [OpeningHoursResource]
    list_display = ["location", "weekday", "start_time", "end_time"]
    list_filter = ["location", "weekday"]
    list_select_related = ["location"]


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


@admin.register(ClosedDay)
class ClosedDayAdmin(BranchScopedAdmin, SimpleHistoryAdmin):
    list_display = ["date", "location", "reason"]
    list_filter = ["location"]
    list_select_related = ["location"]
    date_hierarchy = "date"


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
