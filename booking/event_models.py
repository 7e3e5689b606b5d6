"""What happened and what followed: booking events and the side-effect ledger.

Registered with the booking app through booking.models, which imports them.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.actors import ActorKind


class BookingEventKind(models.TextChoices):
    HELD = "held", _("held")
    BOOKED = "booked", _("booked")
    MEETING_CREATED = "meeting_created", _("meeting created")
    MOVED = "moved", _("moved")
    CANCELLED = "cancelled", _("cancelled")
    RELEASED = "released", _("released")
    EXPIRED = "expired", _("expired")
    # Staff recorded the meeting's outcome (booking.services.outcomes).
    COMPLETED = "completed", _("marked completed")
    NO_SHOW = "no_show", _("marked no-show")


class BookingEvent(models.Model):
    """One transition of a time slot or a meeting, recorded in the transaction that made it.

    The audit trail, and the one source of side effects after commit (booking.effects).
    Written only by booking.services, never changed afterwards.
    """

    kind = models.CharField(_("kind"), max_length=30, choices=BookingEventKind.choices)
    # SET_NULL: the trail outlives a deleted row (e.g. a wiped benchmark data set).
    meeting = models.ForeignKey(
        "booking.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    time_slot = models.ForeignKey(
        "booking.TimeSlot",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,  # looked up by meeting or by time; see Meta.indexes
    )
    actor_kind = models.CharField(_("actor kind"), max_length=20, choices=ActorKind.choices)
    actor_id = models.CharField(_("actor"), max_length=200)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    # When its handlers ran (booking.effects.dispatch); null: not yet, or a handler failed,
    # or its kind has none. Housekeeping dispatches again what stays null too long.
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        indexes = [
            models.Index(fields=["meeting", "created_at"], name="bookingevent_meeting_idx"),
            models.Index(fields=["time_slot", "created_at"], name="bookingevent_slot_idx"),
            models.Index(fields=["created_at"], name="bookingevent_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor_kind}:{self.actor_id}"


class SideEffectStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


class SideEffectRun(models.Model):
    """One side effect (an email, a reminder, a webhook delivery) and how its runs went.

    The ledger of booking.tasks: the unique key makes a side effect happen at most once
    however often it is scheduled or its task runs; a worker claims the row with a
    conditional UPDATE (pending -> running) before running it, so two workers never both do.
    """

    key = models.CharField(_("key"), max_length=255, unique=True)
    name = models.CharField(_("effect"), max_length=100)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SideEffectStatus.choices,
        default=SideEffectStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # The earliest the next attempt may run; null: at once.
    run_after = models.DateTimeField(_("run after"), null=True, blank=True)
    # The queued task of the next attempt, so housekeeping can tell a lost one.
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("scheduled at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # When it ended: done, failed for good or cancelled.
    done_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("side effect")
        verbose_name_plural = _("side effects")
        indexes = [
            models.Index(fields=["status", "done_at"], name="sideeffect_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
