"""The picker's zone select (booking/includes/zone_choice.html): its state from the request.

A tag rather than view context, so that the pickers include the select with one line and
their views stay as they are. It sits inside the picker's partial, so that its hidden fields
follow every HTMX swap and a failed hold (a POST, with no query to copy) alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template

from booking.views.picker_month import month_param
from booking.views.zones import ViewerZone, viewer_zone, zone_choices
from booking.zones import uses_customer_zone

register = template.Library()


@dataclass(frozen=True)
class ZoneChoice:
    shown: bool  # only online and phone meetings are shown in the customer's zone
    current: str  # the zone the picker shows
    choices: list[tuple[str, str, bool]]  # value, label, selected
    hidden: list[tuple[str, str]]  # the picker's choices and the day or month it shows
    found: ViewerZone


def picker_state(context: template.Context) -> list[tuple[str, str]]:
    """What the picker shows, as the form's hidden fields: the choices its hold form keeps
    (hidden_options), and the chosen day, else the month."""
    hidden = [
        (name, str(value))
        for name, value in (context.get("hidden_options") or {}).items()
        if value not in (None, "")
    ]
    picker = context.get("picker")
    chosen = getattr(picker, "chosen", None)
    if chosen is not None:
        hidden.append(("day", chosen.day.isoformat()))
    elif picker is not None:
        hidden.append(("month", month_param(picker.month) or ""))
    return hidden


@register.simple_tag(takes_context=True)
def zone_choice_state(context: template.Context) -> ZoneChoice:
    """What the select shows: the picker's zone selected, the picker's state kept."""
    request = context["request"]
    options = context.get("options")
    shown = options is not None and uses_customer_zone(options.meeting_type)
    current = options.zone.key if options is not None else ""
    choices: list[tuple[str, str, bool]] = []
    if shown:
        choices = [(value, label, value == current) for value, label in zone_choices()]
    return ZoneChoice(
        shown=shown,
        current=current,
        choices=choices,
        hidden=picker_state(context),
        found=viewer_zone(request),
    )
