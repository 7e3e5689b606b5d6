"""Form widgets and display helpers: every date and time in the object's own zone."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import lru_cache
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config_data.models import timezone_choices

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


def zone_help(db_field: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Say which zone a date-time field is read in (ZoneAwareAdmin's, else the server's)."""
    if isinstance(db_field, models.DateTimeField) and "help_text" not in kwargs:
        kwargs["help_text"] = _("Local time in %(zone)s.") % {
            "zone": timezone.get_current_timezone_name()
        }
    return kwargs


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
