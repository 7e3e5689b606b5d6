from __future__ import annotations

from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from django_tasks.signals import task_started

# Modules that register side effects (booking.tasks.effect) and event handlers
# (booking.effects.on): imported at start-up, so web processes and workers know them all.
EFFECT_MODULES = [
    "booking.effects",
    "booking.housekeeping",
    "booking.reminders",
    "booking.webhooks",
    "booking.waitlist",
]


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        for module in EFFECT_MODULES:
            import_module(module)
        from booking import housekeeping

        # Every deployment migrates: that starts the housekeeping chain (and restarts it,
        # should it ever have stopped); each run then schedules the next.
        post_migrate.connect(housekeeping.start_after_migrate, sender=self)
        # ...and so does every worker as it starts, should a run ever fail to schedule the
        # next (e.g. a locked database) between two deployments.
        task_started.connect(housekeeping.restart_on_worker)
        # Administrators keep every permission, however many models later migrations add.
        from booking import roles

        post_migrate.connect(roles.administrators_grant_all, dispatch_uid="bookme-administrators")
