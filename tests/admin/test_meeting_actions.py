"""The meetings list's bulk action: cancel what is still ahead, refuse what has begun."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from booking import roles
from booking.actors import Actor
from booking.models import BookingEvent, BookingEventKind, MeetingOutcome, MeetingStatus
from booking.services.outcomes import meeting_record_outcome
from tests import factories


def _next_weekday_at_ten() -> datetime:
    """A weekday at least two days ahead, 10:00 UTC: inside the factory's working hours."""
    day = timezone.now().astimezone(UTC) + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.mark.django_db
def test_the_cancel_action_refuses_meetings_that_have_begun(branches, login):
    """Of three selected meetings, the coming one is cancelled; the past one with an
    outcome and the past one without keep their state, each named in an error message."""
    ahead = factories.meeting(
        topic=branches.topic, employee=branches.one.employee, start=_next_weekday_at_ten()
    )
    with_outcome, begun = branches.one.meeting, branches.two.meeting
    meeting_record_outcome(
        actor=Actor.for_staff_user(1), meeting_id=with_outcome.pk, outcome=MeetingOutcome.NO_SHOW
    )
    client = login(roles.ADMINISTRATOR)
    response = client.post(
        reverse("admin:booking_meeting_changelist"),
        {
            "action": "cancel_meetings",
            "_selected_action": [str(m.pk) for m in (ahead, with_outcome, begun)],
        },
    )
    assert response.status_code == 302
    for meeting in (ahead, with_outcome, begun):
        meeting.refresh_from_db()
    assert ahead.status == MeetingStatus.CANCELLED
    assert (with_outcome.status, with_outcome.outcome) == (
        MeetingStatus.CONFIRMED,
        MeetingOutcome.NO_SHOW,
    )
    assert begun.status == MeetingStatus.CONFIRMED
    assert not BookingEvent.objects.filter(
        kind=BookingEventKind.CANCELLED, meeting__in=[with_outcome, begun]
    ).exists()
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    refused = [t for t in texts if "already begun" in t]
    assert len(refused) == 2
    assert any(str(with_outcome) in t for t in refused)
    assert "Cancelled 1 meeting." in texts


@pytest.mark.django_db
def test_the_cancel_action_claims_no_success_when_it_cancelled_nothing(branches, login):
    """Only begun meetings selected: error messages, and no "Cancelled 0 meetings" note."""
    client = login(roles.ADMINISTRATOR)
    response = client.post(
        reverse("admin:booking_meeting_changelist"),
        {"action": "cancel_meetings", "_selected_action": [str(branches.one.meeting.pk)]},
        follow=True,
    )
    html = response.content.decode()
    assert "already begun" in html
    assert "Cancelled 0" not in html
    branches.one.meeting.refresh_from_db()
    assert branches.one.meeting.status == MeetingStatus.CONFIRMED
