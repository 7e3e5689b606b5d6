"""Django admin for what happens: time slots, meetings, customers.

Times are changed only through the services (the site, the API, the cancel action
here), so these pages show them read-only: an edit in a form would skip the checks.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from booking import services
from booking.actors import Actor
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


@admin.register(TimeSlot)
class TimeSlotAdmin(admin.ModelAdmin):
    list_display = ["start", "end", "employee", "room", "topic", "status", "expires_at", "holder"]
    list_filter = ["status", ("start", admin.DateFieldListFilter), "employee", "room", "topic"]
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
class BookingEventAdmin(admin.ModelAdmin):
    """The audit trail: read-only, as every event is written once by the services."""

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


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = [
        "start",
        "topic",
        "customer_name",
        "employee",
        "room",
        "meeting_type",
        "status",
        "booked_by",
        "email_failed_at",
    ]
    list_filter = [
        "status",
        # "Not empty": the meetings an email about could not be sent (see email_failure).
        ("email_failed_at", admin.EmptyFieldListFilter),
        ("time_slot__start", admin.DateFieldListFilter),
        "time_slot__employee",
        "time_slot__room",
        "topic",
        "meeting_type",
    ]
    date_hierarchy = "time_slot__start"
    ordering = ["time_slot__start"]
    search_fields = ["customer__name", "customer__email", "reference", "description"]
    list_select_related = ["time_slot__employee", "time_slot__room", "topic", "customer"]
    readonly_fields = [
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
        "email_failed_at",
        "email_failure",
    ]
    fields = [*readonly_fields, "description"]
    inlines = [MeetingAnswerInline, BookingEventInline]
    actions = ["cancel_meetings"]

    @admin.display(description=_("start"), ordering="time_slot__start")
    def start(self, obj: Meeting) -> object:
        return obj.time_slot.start

    @admin.display(description=_("customer"), ordering="customer__name")
    def customer_name(self, obj: Meeting) -> str:
        return obj.customer.display_name

    @admin.display(description=_("employee"), ordering="time_slot__employee__name")
    def employee(self, obj: Meeting) -> object:
        return obj.time_slot.employee

    @admin.display(description=_("room"), ordering="time_slot__room__name")
    def room(self, obj: Meeting) -> object:
        return obj.time_slot.room

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Meeting | None = None) -> bool:
        return False

    @admin.action(description=_("Cancel selected meetings and free their time"))
    def cancel_meetings(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
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
        self.message_user(
            request,
            ngettext("Cancelled %d meeting.", "Cancelled %d meetings.", cancelled) % cancelled,
            messages.SUCCESS,
        )


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
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
