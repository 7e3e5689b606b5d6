"""The admin classes every configuration page builds on: branch limits, administrator-only
fields, history, and weekly intervals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin as BaseHistoryAdmin

from config_data.admin.scope import branch_scope, is_unrestricted, scoped_choices
from config_data.admin.widgets import LOCAL_WIDGETS, render_now, timezone_select, zone_help
from config_data.models import overlapping_weekly_intervals


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


class LocalFieldsMixin:
    """Plain date and time inputs, zone help on zoned fields, and foreign-key choices limited
    to the user's branches: the same for a model's page and for its inlines."""

    formfield_overrides: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = LOCAL_WIDGETS

    def formfield_for_dbfield(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        return super().formfield_for_dbfield(  # type: ignore[misc]
            db_field, request, **zone_help(db_field, kwargs)
        )

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        scoped = scoped_choices(db_field.related_model, request)
        if scoped is not None:
            kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class BranchScopedAdmin(LocalFieldsMixin, AdministratorFieldsAdmin):
    """Limits a branch manager to their branches: lists, change pages (another branch's
    object answers 404), foreign-key choices, history and imports."""

    location_lookup = "location"  # the path from this model to its branch

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
        return super().formfield_for_dbfield(db_field, request, **kwargs)

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


class LocalInline(LocalFieldsMixin, admin.TabularInline):
    """An inline with the plain date/time inputs and branch-limited choices."""


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


class WeeklyIntervalAdmin(BranchScopedAdmin, ImportExportModelAdmin, SimpleHistoryAdmin):
    """Hours on their own page too: to import, export and filter them across a branch."""

    list_filter = ["weekday"]

    @admin.display(description=_("from"))
    def start_time(self, obj: Any) -> str:
        return f"{obj.interval[1]:%H:%M}"

    @admin.display(description=_("until"))
    def end_time(self, obj: Any) -> str:
        return f"{obj.interval[2]:%H:%M}"


OWN_ADDRESS = _("Own address and time zone (leave blank to use the location's)")
