"""Staff record a meeting's outcome: completed or no-show, with an internal note."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking import services
from booking.actors import Actor
from booking.errors import InvalidRequest, InvalidState, NotFound
from booking.models import BookingEvent, BookingEventKind, Meeting, MeetingOutcome
from booking.services.outcomes import INTERNAL_NOTE_MAX_LENGTH, meeting_record_outcome
from tests import factories
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

START = NOW + timedelta(hours=2)  # 10:00 in Copenhagen
STAFF = Actor.for_staff_user(99)


@pytest.fixture
def meeting(world) -> Meeting:
    return factories.meeting(topic=world.topic, employee=world.alice, start=START, now=NOW)


def _outcome_events(meeting: Meeting) -> list[tuple[str, str]]:
    return list(
        BookingEvent.objects.filter(
            meeting=meeting, kind__in=[BookingEventKind.COMPLETED, BookingEventKind.NO_SHOW]
        ).values_list("kind", "actor_id")
    )


def test_marking_completed_records_outcome_note_and_event(meeting):
    """Completed: the outcome, its time and the note are stored, and one event says who."""
    at = START + timedelta(minutes=30)
    result = meeting_record_outcome(
        actor=STAFF, meeting_id=meeting.pk, outcome="completed", internal_note="Went well", now=at
    )
    meeting.refresh_from_db()
    assert result.pk == meeting.pk
    assert meeting.outcome == MeetingOutcome.COMPLETED
    assert meeting.outcome_at == at
    assert meeting.internal_note == "Went well"
    assert _outcome_events(meeting) == [("completed", "99")]


def test_marking_no_show_records_a_no_show_event_with_webhook_handler(meeting):
    """A no-show is its own event kind, which the webhooks deliver as `meeting.no_show`."""
    from booking import effects

    meeting_record_outcome(
        actor=STAFF, meeting_id=meeting.pk, outcome="no_show", now=START + timedelta(hours=1)
    )
    meeting.refresh_from_db()
    assert meeting.outcome == MeetingOutcome.NO_SHOW
    assert _outcome_events(meeting) == [("no_show", "99")]
    handlers = [h.__name__ for h in effects.handlers_for(BookingEventKind.NO_SHOW)]
    assert handlers == ["schedule_deliveries"]


def test_saving_the_same_outcome_again_only_changes_the_note(meeting):
    """A second save of the same outcome records no second event (no second webhook)."""
    first = START + timedelta(minutes=10)
    meeting_record_outcome(actor=STAFF, meeting_id=meeting.pk, outcome="no_show", now=first)
    meeting_record_outcome(
        actor=STAFF,
        meeting_id=meeting.pk,
        outcome="no_show",
        internal_note="Called, no answer",
        now=first + timedelta(minutes=5),
    )
    meeting.refresh_from_db()
    assert meeting.internal_note == "Called, no answer"
    assert meeting.outcome_at == first
    assert len(_outcome_events(meeting)) == 1


def test_a_correction_records_a_new_event(meeting):
    """No-show corrected to completed: both events stay in the trail, the last one counts."""
    at = START + timedelta(minutes=10)
    meeting_record_outcome(actor=STAFF, meeting_id=meeting.pk, outcome="no_show", now=at)
    meeting_record_outcome(
        actor=STAFF, meeting_id=meeting.pk, outcome="completed", now=at + timedelta(minutes=1)
    )
    meeting.refresh_from_db()
    assert meeting.outcome == MeetingOutcome.COMPLETED
    assert [kind for kind, _ in _outcome_events(meeting)] == ["no_show", "completed"]


def test_note_none_keeps_the_existing_note(meeting):
    """Not passing a note leaves the one staff wrote before."""
    Meeting.objects.filter(pk=meeting.pk).update(internal_note="Earlier note")
    meeting_record_outcome(
        actor=STAFF, meeting_id=meeting.pk, outcome="completed", now=START + timedelta(hours=2)
    )
    meeting.refresh_from_db()
    assert meeting.internal_note == "Earlier note"


def test_refuses_before_the_meeting_has_begun(meeting):
    """A minute before the start there is nothing to record yet."""
    with pytest.raises(InvalidState) as caught:
        meeting_record_outcome(
            actor=STAFF,
            meeting_id=meeting.pk,
            outcome="completed",
            now=START - timedelta(minutes=1),
        )
    assert caught.value.code == "outcome_too_early"
    meeting.refresh_from_db()
    assert meeting.outcome == ""
    assert _outcome_events(meeting) == []


def test_the_start_itself_is_allowed(meeting):
    """At the very start a no-show may already be recorded (the time has begun)."""
    meeting_record_outcome(actor=STAFF, meeting_id=meeting.pk, outcome="no_show", now=START)
    meeting.refresh_from_db()
    assert meeting.outcome == MeetingOutcome.NO_SHOW


def test_refuses_a_cancelled_meeting(meeting):
    """A cancelled meeting has no outcome: refused, nothing recorded."""
    services.meeting_cancel(actor=STAFF, meeting_id=meeting.pk, now=NOW)
    with pytest.raises(InvalidState) as caught:
        meeting_record_outcome(
            actor=STAFF, meeting_id=meeting.pk, outcome="no_show", now=START + timedelta(hours=1)
        )
    assert caught.value.code == "outcome_meeting_cancelled"
    assert _outcome_events(meeting) == []


@pytest.mark.parametrize("outcome", ["", "pending", "NO_SHOW", "cancelled"])
def test_refuses_an_unknown_outcome(meeting, outcome):
    """Only completed and no_show are outcomes; the error names the field."""
    with pytest.raises(InvalidRequest) as caught:
        meeting_record_outcome(
            actor=STAFF, meeting_id=meeting.pk, outcome=outcome, now=START + timedelta(hours=1)
        )
    assert caught.value.code == "outcome_unknown"
    assert caught.value.field == "outcome"


def test_refuses_a_note_too_long(meeting):
    """The note's limit is the model's; the error names the field."""
    with pytest.raises(InvalidRequest) as caught:
        meeting_record_outcome(
            actor=STAFF,
            meeting_id=meeting.pk,
            outcome="completed",
            internal_note="x" * (INTERNAL_NOTE_MAX_LENGTH + 1),
            now=START + timedelta(hours=1),
        )
    assert caught.value.field == "internal_note"
    meeting.refresh_from_db()
    assert meeting.outcome == ""


def test_refuses_an_unknown_meeting(db):
    """A meeting that does not exist is not found."""
    with pytest.raises(NotFound):
        meeting_record_outcome(actor=STAFF, meeting_id=987654, outcome="completed", now=NOW)


# --- what API clients learn ---------------------------------------------------------------


def test_the_api_reports_the_outcome(meeting):
    """The API's meeting carries outcome and outcomeAt: null before, the value after."""
    from booking.api.meetings import meeting_out

    def api_view() -> dict:
        fresh = Meeting.objects.with_details().prefetch_related("answers").get(pk=meeting.pk)
        return meeting_out(fresh).model_dump(mode="json", by_alias=True)

    before = api_view()
    assert (before["outcome"], before["outcomeAt"]) == (None, None)
    meeting_record_outcome(
        actor=STAFF, meeting_id=meeting.pk, outcome="no_show", now=START + timedelta(minutes=15)
    )
    after = api_view()
    assert after["outcome"] == "no_show"
    assert after["outcomeAt"] == "2026-06-01T08:15:00Z"


def test_a_no_show_is_delivered_to_the_clients_webhook(
    world, settings, django_capture_on_commit_callbacks, run_tasks
):
    """The API client that booked the meeting gets `meeting.no_show` with the meeting
    (outcome included); a completed meeting sends nothing."""
    import json

    from booking import webhooks
    from tests.api.helpers import make_application
    from tests.webhook_receiver import Receiver, serve

    settings.BOOKME_WEBHOOKS_ALLOW_LOCAL = True
    partner = make_application("Partner", "read write")
    for receiver in serve(Receiver()):
        webhooks.webhook_subscribe(
            application_id=partner.pk, url=receiver.url, events=["meeting.no_show"]
        )
        booked = factories.meeting(
            topic=world.topic,
            employee=world.alice,
            start=START,
            now=NOW,
            holder=f"client:{partner.pk}",
        )
        other = factories.meeting(
            topic=world.topic,
            employee=world.bob,
            start=START,
            now=NOW,
            holder=f"client:{partner.pk}",
        )
        with django_capture_on_commit_callbacks(execute=True):
            meeting_record_outcome(actor=STAFF, meeting_id=booked.pk, outcome="no_show", now=START)
            meeting_record_outcome(actor=STAFF, meeting_id=other.pk, outcome="completed", now=START)
        run_tasks()
        bodies = [json.loads(r.body) for r in receiver.received]
        assert [b["type"] for b in bodies] == ["meeting.no_show"]
        assert bodies[0]["data"]["id"] == str(booked.pk)
        assert bodies[0]["data"]["outcome"] == "no_show"
