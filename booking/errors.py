"""Typed domain errors and the one catalogue of their messages.

Each error carries a stable `code` (a key of MESSAGES), the parameters of its message and,
where one input is to blame, the name of that field, so that a form or an API client can
point at it. The message is translated when it is shown: the website shows it in the
visitor's language, the API in English (booking.api.errors).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# code -> message, with named placeholders filled from the error's params.
MESSAGES: dict[str, Promise] = {
    # The input itself (400)
    "employee_or_room_required": _("Choose an employee or a room."),
    "times_need_offset": _("Times must include a UTC offset."),
    "end_before_start": _("The end must be after the start."),
    "slot_too_long": _("A time slot can block at most %(hours)s hours, buffers included."),
    "unknown_meeting_type": _("Unknown meeting type %(meeting_type)r."),
    "token_reused": _("This token was already used for a different time slot."),
    "customer_reference_required": _("A customer reference is required."),
    "held_for_other_theme": _("The time slot was held for theme %(held)r, not %(theme)r."),
    "theme_length_mismatch": _(
        "Theme %(theme)r lasts %(theme_length)s; the time slot lasts %(slot_length)s."
    ),
    "topic_meeting_type": _("%(topic)s cannot be held as %(meeting_type)r."),
    "held_for_other_type": _(
        "The time slot was held for a %(held)r meeting, not %(meeting_type)r."
    ),
    "employee_lacks_topic": _("This employee does not hold %(topic)s."),
    "employee_lacks_type": _("%(employee)s does not hold %(meeting_type)r meetings."),
    "room_slot_physical_only": _(
        "A time slot with a room and no employee holds in-person meetings only."
    ),
    "room_not_the_slots": _("The room is not the time slot's."),
    "room_takes_physical_only": _("Only an in-person meeting takes a room."),
    "group_theme_needs_hold": _(
        "Theme %(theme)r is a group session: reserve its time with themeId."
    ),
    "room_required": _("An in-person meeting on this topic needs a room."),
    "room_lacks_features": _("This room lacks a feature the meeting needs: %(features)s."),
    "room_features_need_room": _("Required room features need a room: give one."),
    "category_excluded": _("This topic is not offered to this customer category."),
    "unknown_value": _("Unknown value %(value)r."),
    "unknown_question": _("Unknown information question."),
    "answer_required": _("Please answer: %(question)s"),
    "answer_too_long": _("An answer can be at most %(limit)s characters."),
    # Booked through a booking profile's page (booking.services.profiles).
    "profile_field_required": _("Please fill in: %(name)s"),
    "profile_field_unknown": _("This booking page has no field %(name)r."),
    "profile_field_text": _("The field %(name)r takes text."),
    "profile_field_too_long": _("%(name)s can be at most %(limit)s characters."),
    "profile_closed": _("This booking page cannot be booked on that day."),
    "profile_hours": _("This booking page cannot be booked at that time."),
    "profile_topic": _("This booking page does not offer %(topic)s."),
    "profile_duration": _("This booking page does not offer meetings of %(minutes)s minutes."),
    "profile_employee": _("This booking page books other employees."),
    "held_for_other_topic": _("The new time was held for another topic."),
    "moves_nowhere": _("This is the time your meeting already has."),
    "move_length_mismatch": _(
        "The new time lasts %(slot_length)s; the meeting lasts %(meeting_length)s."
    ),
    "room_feature_not_requestable": _("Room feature %(value)r cannot be asked for."),
    "search_end_before_start": _("The end of the search must be after its start."),
    "search_too_long": _("A search covers at most %(days)s days."),
    "duration_not_positive": _("The meeting duration must be positive."),
    # A hold without a theme must be one some topic could use (booking.search).
    "hold_length_employee": _(
        "No theme of this employee lasts %(length)s: a hold without themeId must last as "
        "long as one of them (%(lengths)s minutes)."
    ),
    "hold_length_room": _(
        "No theme of this room lasts %(length)s: a hold without themeId must last as "
        "long as one of them (%(lengths)s minutes)."
    ),
    "hold_no_theme_employee": _(
        "This employee has no theme that a hold without themeId could be for."
    ),
    "hold_no_theme_room": _("This room has no theme that a hold without themeId could be for."),
    "hold_off_grid": _(
        "No theme of this length starts at %(start)s UTC: its times start every "
        "%(steps)s minutes from %(anchor)s UTC."
    ),
    # Not there, or not the caller's (404)
    "time_slot_not_found": _("Time slot not found."),
    "meeting_not_found": _("Meeting not found."),
    # The time or the object's state (409)
    "slot_taken": _("This time was just taken by someone else."),
    "time_no_longer_available": _("This time is no longer available."),
    "resource_not_bookable": _("This employee or room cannot be booked."),
    "time_not_free": _("This time is not free."),
    "session_full": _("This session is full."),
    "hold_expired": _("The hold on this time has expired. Please choose a time again."),
    "slot_not_bookable": _("A %(status)s time slot cannot be booked."),
    "slot_not_booked": _("The time slot must be Booked before a meeting is created."),
    "booked_slot_released": _(
        "This booked time waited too long for its meeting and was released. "
        "Please reserve a time again."
    ),
    "slot_has_meeting": _("This time slot already has a meeting."),
    "slot_does_not_fit_theme": _(
        "The time slot does not fit theme %(theme)r (its times, buffers or a free room): %(reason)s"
    ),
    "meeting_cancelled": _("A cancelled meeting cannot be moved."),
    "meeting_was_cancelled": _("This meeting has been cancelled and can no longer be changed."),
    "too_late": _(
        "This meeting can no longer be changed online: changes close %(hours)s hours "
        "before it starts. Please contact us if you need to change it."
    ),
    "meeting_cannot_move": _("This meeting can no longer be moved."),
    "customer_overlap": _(
        "There is already a confirmed meeting for this email address at an overlapping "
        "time. Please choose another time."
    ),
    # Outcomes staff record (booking.services.outcomes)
    "outcome_unknown": _("Choose whether the meeting was completed or a no-show."),
    "outcome_meeting_cancelled": _("A cancelled meeting has no outcome."),
    "outcome_too_early": _("The outcome can be recorded once the meeting has begun."),
    "internal_note_too_long": _("The internal note can be at most %(limit)s characters."),
    # Absences over booked meetings (booking.services.absences)
    "colleague_not_free": _(
        "%(name)s is not free for this meeting at its time (or has no room for it). "
        "Choose another colleague or cancel the meeting."
    ),
    "colleague_is_absent_employee": _("Choose a colleague, not the absent employee."),
    "no_colleague_free": _(
        "No colleague is free for this meeting at its time. Cancel it with a message instead."
    ),
    "meeting_already_begun": _("This meeting has already begun: it can no longer be moved."),
    "meeting_begun_no_cancel": _(
        "This meeting has already begun: it can no longer be cancelled. Record its outcome."
    ),
    "time_passed": _("This time has already passed. Please choose a later time."),
    "time_not_offered": _("This time is not available. Please choose one of the times shown."),
    "time_taken_choose_another": _(
        "Someone else has just taken this time. Please choose another one."
    ),
    "rehold_taken": _(
        "Your hold on this time expired and the time is no longer free. "
        "Your details are kept: please choose another time."
    ),
    "move_rehold_taken": _(
        "Your hold on the new time expired and it is no longer free. "
        "Your meeting keeps its current time: please choose another one."
    ),
    # The waitlist (booking.waitlist)
    "waitlist_range_past": _("The end of this range has already passed."),
    "waitlist_beyond_horizon": _(
        "Times can be booked at most %(days)s days ahead: the range must start before then."
    ),
    "waitlist_end_beyond_horizon": _(
        "Times can be booked at most %(days)s days ahead: the range must end by then."
    ),
    "waitlist_employee_elsewhere": _("This employee does not work at this branch."),
    "waitlist_entry_not_found": _("Waitlist entry not found."),
    "waitlist_offer_not_found": _("This offer does not exist."),
    "waitlist_offer_used": _("This offer has already been used."),
    "waitlist_offer_expired": _(
        "This offer has expired: the time was held for you for a limited time only. "
        "You stay on the waitlist for other times."
    ),
    "waitlist_limit": _(
        "You are already waiting for %(count)s times. Leave one of those waitlists first."
    ),
    # Caps (429)
    "hold_limit": _("You can hold at most %(count)s times at once. Confirm or release one first."),
    "hold_limit_customer": _(
        "You are already holding %(count)s times. Confirm or release one of them "
        "before choosing another, or wait until they expire."
    ),
    "rehold_limit": _(
        "Your hold on this time expired and you are holding other times. "
        "Release one of them, or wait until they expire, and try again."
    ),
    "booked_limit": _(
        "You can have at most %(count)s booked time slots without a meeting. "
        "Create their meetings or cancel one first."
    ),
    "meeting_without_email_limit": _(
        "You can have at most %(count)s upcoming meetings for customers without an email "
        "address. Send the customer's details, or cancel one first."
    ),
}


class BookingError(Exception):
    """Base class; `status` is the HTTP status the API answers with.

    Raised with a catalogue code: `InvalidRequest("end_before_start", field="end")`.
    Only codes of MESSAGES are accepted, so no message is written outside the catalogue.
    """

    status = 400

    def __init__(self, code: str, *, field: str | None = None, **params: Any) -> None:
        if code not in MESSAGES:
            raise ValueError(f"{code!r} is not an error code of booking.errors.MESSAGES.")
        self.code = code
        self.field = field
        self.params = params
        super().__init__(code)

    @property
    def message(self) -> str:
        """The message in the active language (computed each time it is read)."""
        params = {
            k: v.message if isinstance(v, BookingError) else v for k, v in self.params.items()
        }
        template = str(MESSAGES[self.code])
        return template % params if params else template

    def __str__(self) -> str:
        return self.message


class InvalidRequest(BookingError):
    """The input itself is wrong: a reversed range, a window past the cap, ..."""

    status = 400


class NotFound(BookingError):
    """Unknown, or not the caller's: both answer 404 so ownership does not leak."""

    status = 404


class Conflict(BookingError):
    status = 409


class SlotUnavailable(Conflict):
    """The time is taken, overlaps another, or is not offered."""


class HoldExpired(Conflict):
    """The 15-minute hold ran out before it was booked."""


class InvalidState(Conflict):
    """The object is not in the state the operation needs (e.g. the slot is not Booked)."""


class TooLate(Conflict):
    """The cut-off for changing the meeting has passed."""


class LimitReached(BookingError):
    """Too many holds or attempts; `retry_after`: seconds until one frees a place, if known."""

    status = 429

    def __init__(
        self,
        code: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code, field=field, **params)
        self.retry_after = retry_after
