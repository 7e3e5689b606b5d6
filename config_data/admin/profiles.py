"""Booking profiles (with their weekly hours inline) and the teams that may own them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config_data.admin.base import BranchScopedAdmin, LocalInline, WeeklyIntervalFormSet
from config_data.admin.scope import is_unrestricted, scoped_choices
from config_data.models import Employee
from config_data.profiles import BookingProfile, ProfileHours, Team, topics_outside_owner


class ProfileHoursInline(LocalInline):
    model = ProfileHours
    formset = WeeklyIntervalFormSet
    extra = 0
    verbose_name_plural = _("profile hours (in the employee's time zone; none: the working hours)")


class BookingProfileForm(forms.ModelForm):
    class Meta:
        model = BookingProfile
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose and order them

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        employee: Employee | None = data.get("employee")
        team: Team | None = data.get("team")
        topics = data.get("topics")
        if topics is None or (employee is None) == (team is None):
            return data  # the model's clean() names the missing owner
        # The owners a booking may land with: a topic only an inactive member holds is none.
        owners = BookingProfile(employee=employee, team=team).owner_employees()
        outside = topics_outside_owner(topics, owners)
        if outside:
            self.add_error(
                "topics",
                _("Nobody who owns this profile holds: %(topics)s.")
                % {"topics": ", ".join(t.name for t in outside)},
            )
        return data


@admin.register(BookingProfile)
class BookingProfileAdmin(BranchScopedAdmin):
    """Branch managers see their employees' profiles; team profiles are an administrator's."""

    form = BookingProfileForm
    location_lookup = "employee__location"
    list_display = ["title", "owner", "page_link", "active", "active_from", "active_until"]
    list_filter = ["active", "employee__location"]
    list_select_related = ["employee", "team"]
    search_fields = ["title", "slug", "employee__name", "team__name"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics"]
    inlines = [ProfileHoursInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "employee", "team", "topics", "durations"]}),
        (_("When"), {"fields": ["active", "active_from", "active_until"]}),
        (
            _("The meeting"),
            {"fields": ["subject_template", "description_template", "online_meeting_link"]},
        ),
    ]

    @admin.display(description=_("owner"))
    def owner(self, obj: BookingProfile) -> str:
        return obj.owner_name

    @admin.display(description=_("page"))
    def page_link(self, obj: BookingProfile) -> str:
        url = f"/p/{obj.slug}/"
        return format_html('<a href="{}">{}</a>', url, url)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not is_unrestricted(request.user):
            fields.append("team")  # a team may span branches
        return fields


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["employees"]

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        scoped = scoped_choices(db_field.related_model, request)
        if scoped is not None:
            kwargs["queryset"] = scoped
        return super().formfield_for_manytomany(db_field, request, **kwargs)
