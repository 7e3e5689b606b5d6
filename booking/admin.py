"""Django admin for what happens: time slots, meetings, customers.

Times are changed only through the services (the site, the API, the cancel action
here), so these pages show them read-only: an edit in a form would skip the checks.

A branch manager sees only their branches' time slots, meetings and events (booking.roles);
another branch's answers 404. This module also installs that rule for the configuration
admin (config_data.admin.set_branch_scope), which may not import booking itself.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from booking import roles, services
from booking.actors import Actor
from booking.api.admin import AdministratorsOnly
from booking.errors import BookingError
from booking.models import (
    BookingEvent,
    Customer,
    Meeting,
    MeetingAnswer,
    MeetingStatus,
    SideEffectRun,
    TimeSlot,
    WaitlistEntry,
    WaitlistOffer,
)
from config_data.admin import (
    LOCAL_WIDGETS,
    AdministratorFieldsAdmin,
    local_time,
    render_now,
    set_branch_scope,
)
from config_data.translation import ShownText

set_branch_scope(roles.admin_locations)


class BranchScopedAdmin(AdministratorFieldsAdmin):
    """What happened at a branch: a branch manager sees their branches' rows only, and
    another branch's object answers 404 (not the admin's redirect, which tells it exists)."""

    # Paths from a row to the branches it belongs to (any one of them is enough).
    location_lookups: tuple[str, ...] = ()
    scoped_distinct = False  # True when a lookup crosses a to-many relation
    formfield_overrides = LOCAL_WIDGETS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        locations = roles.admin_locations(request.user)
        if locations is None:
            return queryset
        at_branch = Q()
        for lookup in self.location_lookups:
            at_branch |= Q(**{f"{lookup}__in": locations})
        queryset = queryset.filter(at_branch)
        return queryset.distinct() if self.scoped_distinct else queryset

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such object."))
        return obj


@admin.register(TimeSlot)
class TimeSlotAdmin(BranchScopedAdmin):
    location_lookups = ("employee__location", "room__location")
    list_display = ["start", "end", "employee", "room", "topic", "status", "expires_at", "holder"]
    list_filter = [
        "status",
        ("start", admin.DateFieldListFilter),
        # Only the employees and rooms of the rows one may see (a branch manager's own).
        ("employee", admin.RelatedOnlyFieldListFilter),
        ("room", admin.RelatedOnlyFieldListFilter),
        "topic",
    ]
    date_hierarchy = "start"
    search_fields = ["employee__name", "room__name", "holder", "token"]
    list_select_related = ["employee", "room", "topic"]
    readonly_fields = [f.name for f in TimeSlot._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: TimeSlot | None = None) -> bool:
        return False


class MeetingAnswerInline(admin.TabularInline):
    model = MeetingAnswer
    fields = ["question_text", "answer"]
    readonly_fields = ["question_text", "answer"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Meeting | None = None) -> bool:
        return False


# An event is a record of what happened: shown, never edited.
EVENT_COLUMNS = ("created_at", "kind", "actor_kind", "actor_id", "time_slot", "data")


class BookingEventInline(admin.TabularInline):
    """The meeting's history: what happened, who did it, when."""

    model = BookingEvent
    fields = readonly_fields = EVENT_COLUMNS
    extra = 0
    can_delete = False
    ordering = ["created_at", "pk"]

    def has_add_permission(self, request: HttpRequest, obj: Meeting | None = None) -> bool:
        return False


@admin.register(BookingEvent)
class BookingEventAdmin(BranchScopedAdmin):
    """The audit trail: read-only, as every event is written once by the services."""

    location_lookups = (
        "meeting__time_slot__employee__location",
        "meeting__time_slot__room__location",
        "time_slot__employee__location",
        "time_slot__room__location",
    )

    list_display = ["created_at", "kind", "actor_kind", "actor_id", "meeting", "time_slot"]
    list_filter = ["kind", "actor_kind", ("created_at", admin.DateFieldListFilter)]
    date_hierarchy = "created_at"
    search_fields = ["actor_id", "meeting__reference"]
    list_select_related = ["meeting__topic", "meeting__customer", "meeting__time_slot", "time_slot"]
    readonly_fields = [f.name for f in BookingEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def meeting_zone(meeting: Meeting) -> str:
    """The zone a meeting's times are shown in: its employee's (or its room's)."""
    slot = meeting.time_slot
    if slot.employee is not None:
        return slot.employee.effective_timezone
    return slot.room.effective_timezone if slot.room is not None else settings.TIME_ZONE


@admin.register(Meeting)
class MeetingAdmin(BranchScopedAdmin):
    location_lookups = ("time_slot__employee__location", "time_slot__room__location")
    # Six narrow columns fit 1280 px; room, type and who booked are filters and on the page.
    # Names through methods: the admin keeps a foreign key's column on one line ("nowrap"),
    # and a long topic name would push the table past the screen's edge.
    list_display = ["start", "topic_name", "customer_name", "employee", "status", "email_problem"]
    list_filter = [
        "status",
        # "Not empty": the meetings an email about could not be sent (see email_failure).
        ("email_failed_at", admin.EmptyFieldListFilter),
        ("time_slot__start", admin.DateFieldListFilter),
        ("time_slot__employee", admin.RelatedOnlyFieldListFilter),
        ("time_slot__room", admin.RelatedOnlyFieldListFilter),
        "topic",
        "meeting_type",
    ]
    date_hierarchy = "time_slot__start"
    ordering = ["time_slot__start"]
    search_fields = ["customer__name", "customer__email", "reference", "description"]
    list_select_related = [
        "time_slot__employee__location",
        "time_slot__room__location",
        "topic",
        "customer",
    ]
    readonly_fields = [
        "local_start",
        "time_slot",
        "topic",
        "customer_category",
        "meeting_type",
        "customer",
        "booked_by",
        "status",
        "reference",
        "ical_uid",
        "ical_sequence",
        "owner",
        "language",
        "created_at",
        "cancelled_at",
        "cancel_reason",
        "outcome",
        "outcome_at",
        "email_failed_at",
        "email_failure",
    ]
    fields = [*readonly_fields, "description", "internal_note"]
    inlines = [MeetingAnswerInline, BookingEventInline]
    actions = ["cancel_meetings"]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # Its times as the branch sees them, not in the server's zone. (changeform_view, not
        # the routed change_view: a view defined here would take any HTTP method.)
        if object_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        meeting = self.get_object(request, object_id)
        with timezone.override(meeting_zone(meeting)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            return render_now(response)

    @admin.display(description=_("start"), ordering="time_slot__start")
    def start(self, obj: Meeting) -> str:
        return local_time(obj.time_slot.start, meeting_zone(obj))

    @admin.display(description=_("start"))
    def local_start(self, obj: Meeting) -> str:
        return self.start(obj)

    @admin.display(description=_("email"), ordering="email_failed_at")
    def email_problem(self, obj: Meeting) -> str:
        """A short mark instead of a date column: the date is on the meeting's page."""
        if obj.email_failed_at is None:
            return ""
        return format_html('<span title="{}">{}</span>', obj.email_failure, _("failed"))

    @admin.display(description=_("topic"), ordering=ShownText("name", "topic__").asc())
    def topic_name(self, obj: Meeting) -> str:
        return obj.topic.name

    @admin.display(description=_("customer"), ordering="customer__name")
    def customer_name(self, obj: Meeting) -> str:
        return obj.customer.display_name

    @admin.display(description=_("employee"), ordering="time_slot__employee__name")
    def employee(self, obj: Meeting) -> object:
        return obj.time_slot.employee

    @admin.display(description=_("room"), ordering=ShownText("name", "time_slot__room__").asc())
    def room(self, obj: Meeting) -> object:
        return obj.time_slot.room

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Meeting | None = None) -> bool:
        return False

    @admin.action(description=_("Cancel selected meetings and free their time"))
    def cancel_meetings(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        # The service decides what may be cancelled (not a meeting that has begun: its
        # outcome is recorded instead); each refusal is reported and changes nothing.
        cancelled = 0
        for meeting in queryset.filter(status=MeetingStatus.CONFIRMED):
            try:
                services.meeting_cancel(
                    actor=Actor.for_staff_user(request.user), meeting_id=meeting.pk
                )
            except BookingError as error:
                self.message_user(request, f"{meeting}: {error.message}", messages.ERROR)
            else:
                cancelled += 1
        if cancelled:
            self.message_user(
                request,
                ngettext("Cancelled %d meeting.", "Cancelled %d meetings.", cancelled) % cancelled,
                messages.SUCCESS,
            )


@admin.register(Customer)
class CustomerAdmin(BranchScopedAdmin):
    # A customer belongs to the branches of their meetings.
    location_lookups = (
        "meetings__time_slot__employee__location",
        "meetings__time_slot__room__location",
    )
    scoped_distinct = True
    # Who the customer is, to the site and the API: linking a login (or another customer's
    # reference or address) would open this customer's meetings at every branch to it.
    administrator_fields = ("user", "external_id", "email")
    list_display = ["display_name", "email", "phone", "external_id", "user"]
    search_fields = ["name", "email", "external_id"]
    autocomplete_fields = ["user"]


class WaitlistOfferInline(admin.TabularInline):
    """The times offered to this waiter: each a hold, claimed, lapsed or withdrawn."""

    model = WaitlistOffer
    fields = ["time_slot", "status", "created_at", "expires_at", "claimed_at"]
    readonly_fields = ["time_slot", "status", "created_at", "expires_at", "claimed_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: WaitlistEntry | None = None) -> bool:
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    """Who waits for what, first come first served. Read-only: customers join and leave
    through the site and the API, and offers are made by the waitlist service."""

    list_display = [
        "created_at",
        "email",
        "topic",
        "meeting_type",
        "location",
        "employee",
        "window_start",
        "window_end",
        "status",
    ]
    list_filter = ["status", "topic", "location", "meeting_type"]
    search_fields = ["email", "name", "customer_reference"]
    list_select_related = ["topic", "location", "employee"]
    ordering = ["created_at", "pk"]
    readonly_fields = [f.name for f in WaitlistEntry._meta.fields]
    inlines = [WaitlistOfferInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WaitlistEntry | None = None) -> bool:
        return False


@admin.register(SideEffectRun)
class SideEffectRunAdmin(admin.ModelAdmin):
    """The background engine's ledger (booking.tasks), read-only: what ran, what failed."""

    list_display = ["key", "name", "status", "attempts", "run_after", "created_at", "done_at"]
    list_filter = ["status", "name"]
    search_fields = ["key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in SideEffectRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Django's user admin; is_staff follows the roles a user is given here (booking.roles)."""

    formfield_overrides = {**UserAdmin.formfield_overrides, **LOCAL_WIDGETS}

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        roles.sync_admin_access(form.instance)


# oauth-toolkit registers its token and grant pages (its app comes before this one):
# the same pages, for administrators only (its application page is booking.api.admin's).
for _model in (
    get_access_token_model(),
    get_refresh_token_model(),
    get_grant_model(),
    get_id_token_model(),
):
    if admin.site.is_registered(_model):
        _registered = type(admin.site.get_model_admin(_model))
        admin.site.unregister(_model)
        admin.site.register(
            _model, type(_registered.__name__, (AdministratorsOnly, _registered), {})
        )
