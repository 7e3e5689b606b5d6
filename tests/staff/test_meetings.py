"""The meeting details page for staff (booking.staff.meetings): details, history, outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from booking import services
from booking.actors import Actor
from booking.models import (
    BookingEvent,
    BookingEventKind,
    Customer,
    Meeting,
    MeetingOutcome,
    SideEffectRun,
)
from booking.roles import ADMINISTRATOR, ADVISER, BRANCH_MANAGER
from tests import factories
from tests.conftest import NOW
from tests.staff.conftest import signed_in, staff_user

# Tuesday 2 June 2026, 10:00 in Copenhagen; the clock starts Monday 08:00.
START = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
AFTER_START = START + timedelta(minutes=20)


@pytest.fixture
def meeting(world) -> Meeting:
    """Carla's Tuesday meeting with Alice in the big room, booked on the website."""
    topic = factories.topic(
        name="Loan", employees=[world.alice, world.bob], questions=["How much?"]
    )
    found = factories.meeting(
        topic=topic,
        employee=world.alice,
        room=world.big_room,
        meeting_type="physical",
        start=START,
        now=NOW,
        answers={topic.information_questions.get().pk: "A lot"},
        description="About the new house",
        customer_email="carla@example.com",
    )
    Customer.objects.filter(pk=found.customer_id).update(phone="+45 1234")
    return found


@pytest.fixture
def bob_client(world) -> Client:
    """Bob, an adviser of the same branch (not the meeting's employee)."""
    return signed_in(staff_user(world.bob, name="bob"))


def url(meeting: Meeting) -> str:
    return reverse("staff:meeting", args=[meeting.pk])


def test_signing_in_is_required(client, meeting):
    """An anonymous visitor is sent to sign in."""
    response = client.get(url(meeting))
    assert response.status_code == 302


def test_a_customer_account_gets_404(meeting):
    """A signed-in user in no staff role gets 404."""
    customer = signed_in(User.objects.create_user(username="carla"))
    assert customer.get(url(meeting)).status_code == 404


def test_another_branchs_adviser_and_manager_get_404(world, meeting):
    """Staff of another branch get 404, for reading and for recording an outcome."""
    branch = factories.location(name="Aarhus")
    for role in (ADVISER, BRANCH_MANAGER):
        other = factories.employee(location=branch)
        client = signed_in(staff_user(other, role=role))
        assert client.get(url(meeting)).status_code == 404
        with time_machine.travel(AFTER_START, tick=False):
            response = client.post(url(meeting), {"outcome": "no_show"})
        assert response.status_code == 404
    meeting.refresh_from_db()
    assert meeting.outcome == ""


def test_unknown_meeting_is_404(bob_client):
    """A meeting id that does not exist is 404."""
    assert bob_client.get(reverse("staff:meeting", args=[987654])).status_code == 404


def test_details_show_customer_answers_and_description(bob_client, meeting):
    """Name, email, phone, the answers and the description, times in the branch zone."""
    response = bob_client.get(url(meeting))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Carla Customer" in html
    assert "carla@example.com" in html
    assert "+45 1234" in html
    assert "How much?" in html
    assert "A lot" in html
    assert "About the new house" in html
    assert "10:00–11:00" in html
    assert "Europe/Copenhagen" in html


def test_history_lists_the_booking_events_with_who_and_when(world, bob_client, meeting):
    """Held, booked, created by the customer; a staff move shows who moved it and from when."""
    alice_user = staff_user(world.alice, name="alice")
    factories.reschedule(
        meeting,
        start=START + timedelta(hours=2),
        actor=Actor.for_staff(alice_user, world.alice),
        now=NOW + timedelta(minutes=5),
    )
    response = bob_client.get(url(meeting))
    history = response.context["history"]
    assert [entry.kind for entry in history] == [
        "held",
        "booked",
        "meeting_created",
        "held",
        "moved",
    ]
    assert history[0].who == "The customer"
    assert history[-1].who == "Alice"
    assert history[-1].detail == "from 2026-06-02 10:00"
    html = response.content.decode()
    assert "Meeting created" in html
    assert "by Alice" in html
    assert "08:05" in html  # the move at 06:05 UTC, in Copenhagen


def test_outcome_form_waits_for_the_meeting_to_begin(bob_client, meeting):
    """Before the start the page says when an outcome can be recorded, without a form."""
    with time_machine.travel(NOW, tick=False):
        html = bob_client.get(url(meeting)).content.decode()
    assert "once the meeting has begun" in html
    assert 'name="outcome"' not in html


def test_posting_before_the_start_is_refused_with_the_reason(bob_client, meeting):
    """A POST before the start answers 409 with the service's message on the field."""
    with time_machine.travel(NOW, tick=False):
        response = bob_client.post(url(meeting), {"outcome": "completed"})
    assert response.status_code == 409
    assert "once the meeting has begun" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.outcome == ""


def test_marking_no_show_saves_the_outcome_note_and_event(world, bob_client, meeting):
    """Bob marks a no-show with a note: saved, one event by Bob, back to the page."""
    with time_machine.travel(AFTER_START, tick=False):
        response = bob_client.post(
            url(meeting), {"outcome": "no_show", "internal_note": "Phoned twice"}
        )
        page = bob_client.get(url(meeting)).content.decode()
    assert response.status_code == 302
    assert response["Location"] == url(meeting)
    meeting.refresh_from_db()
    assert meeting.outcome == MeetingOutcome.NO_SHOW
    assert meeting.internal_note == "Phoned twice"
    event = BookingEvent.objects.get(meeting=meeting, kind=BookingEventKind.NO_SHOW)
    assert (event.actor_kind, event.actor_id) == ("employee", str(world.bob.pk))
    assert "The outcome has been saved." in page
    assert "Marked no-show" in page
    assert "Phoned twice" in page


def test_missing_outcome_names_the_field(bob_client, meeting):
    """No choice made: 422 with the error at the outcome field."""
    with time_machine.travel(AFTER_START, tick=False):
        response = bob_client.post(url(meeting), {"internal_note": "x"})
    assert response.status_code == 422
    assert "Choose completed or no-show." in response.content.decode()


def test_note_too_long_names_the_field(bob_client, meeting):
    """A note over the limit is an error on the note field."""
    with time_machine.travel(AFTER_START, tick=False):
        response = bob_client.post(
            url(meeting), {"outcome": "completed", "internal_note": "x" * 5001}
        )
    assert response.status_code == 422
    assert response.context["form"].errors["internal_note"]


def test_cancelled_meeting_has_no_outcome_form(bob_client, meeting):
    """A cancelled meeting says so; a forged POST is refused with 409."""
    services.meeting_cancel(actor=Actor.for_staff_user(1), meeting_id=meeting.pk, now=NOW)
    with time_machine.travel(AFTER_START, tick=False):
        html = bob_client.get(url(meeting)).content.decode()
        response = bob_client.post(url(meeting), {"outcome": "no_show"})
    assert "A cancelled meeting has no outcome." in html
    assert 'name="outcome"' not in html
    assert response.status_code == 409


def test_csrf_is_required(world, meeting):
    """The outcome form is a CSRF-protected POST."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user(world.bob, name="bob"))
    with time_machine.travel(AFTER_START, tick=False):
        assert client.post(url(meeting), {"outcome": "no_show"}).status_code == 403
        html = client.get(url(meeting)).content.decode()
    assert "csrfmiddlewaretoken" in html


def test_past_no_shows_of_the_customer_are_counted_and_listed(world, bob_client, meeting):
    """Two earlier no-shows of the same customer: the count and links to them."""
    earlier = []
    for days in (7, 14):
        old_start = START - timedelta(days=days)
        old = factories.meeting(
            topic=world.topic,
            employee=world.bob,
            start=old_start,
            now=old_start - timedelta(days=1),
            customer_email="carla@example.com",
        )
        Meeting.objects.filter(pk=old.pk).update(
            outcome=MeetingOutcome.NO_SHOW, outcome_at=old_start
        )
        earlier.append(old)
    response = bob_client.get(url(meeting))
    assert response.context["no_show_count"] == 2
    html = response.content.decode()
    assert "Earlier no-shows of this customer: 2." in html
    for old in earlier:
        assert reverse("staff:meeting", args=[old.pk]) in html


def test_administrator_sees_any_branch(world, meeting):
    """An administrator without an employee record opens any branch's meeting and records as
    a staff user."""
    admin = signed_in(staff_user(None, role=ADMINISTRATOR, name="boss"))
    assert admin.get(url(meeting)).status_code == 200
    with time_machine.travel(AFTER_START, tick=False):
        admin.post(url(meeting), {"outcome": "completed"})
        history = admin.get(url(meeting)).context["history"]
    event = BookingEvent.objects.get(meeting=meeting, kind=BookingEventKind.COMPLETED)
    assert event.actor_kind == "staff"
    assert history[-1].who == "Boss"


# --- cancelling for the customer ----------------------------------------------------------


def cancel_url(meeting: Meeting) -> str:
    return reverse("staff:meeting_cancel", args=[meeting.pk])


def test_staff_cancel_with_a_message_past_the_customers_cut_off(
    world, bob_client, meeting, django_capture_on_commit_callbacks, run_tasks
):
    """Inside the customer's 24-hour cut-off staff may still cancel: the meeting is
    cancelled by Bob with the message, and the cancellation emails are scheduled."""
    with time_machine.travel(START - timedelta(hours=2), tick=False):
        page = bob_client.get(url(meeting)).content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = bob_client.post(cancel_url(meeting), {"reason": "Alice is ill, sorry."})
    assert f'action="{cancel_url(meeting)}"' in page
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    assert meeting.cancel_reason == "Alice is ill, sorry."
    event = BookingEvent.objects.get(meeting=meeting, kind=BookingEventKind.CANCELLED)
    assert (event.actor_kind, event.actor_id) == ("employee", str(world.bob.pk))
    run_tasks()  # the event is dispatched in a worker (booking.effects.dispatch_event)
    assert SideEffectRun.objects.filter(name="email.meeting_cancelled").count() == 2


def test_a_begun_meeting_cannot_be_cancelled(bob_client, meeting):
    """Once it has begun there is no cancel form, and a POST is refused with 409."""
    with time_machine.travel(AFTER_START, tick=False):
        page = bob_client.get(url(meeting)).content.decode()
        response = bob_client.post(cancel_url(meeting), {"reason": ""})
    assert cancel_url(meeting) not in page
    assert response.status_code == 409
    assert "record its outcome instead" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == "confirmed"


def test_cancel_message_too_long_names_the_field(bob_client, meeting):
    """A message over the limit is an error on the message field."""
    with time_machine.travel(NOW, tick=False):
        response = bob_client.post(cancel_url(meeting), {"reason": "x" * 1001})
    assert response.status_code == 422
    assert response.context["cancel_form"].errors["reason"]


def test_cancel_is_post_only_and_404_for_another_branch(world, bob_client, meeting):
    """GET is not allowed; another branch's adviser gets 404 and nothing changes."""
    assert bob_client.get(cancel_url(meeting)).status_code == 405
    other = factories.employee(location=factories.location(name="Odense"))
    with time_machine.travel(NOW, tick=False):
        response = signed_in(staff_user(other)).post(cancel_url(meeting), {"reason": ""})
    assert response.status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == "confirmed"


def test_cancelling_twice_says_so(bob_client, meeting):
    """A second cancel (two tabs) changes nothing and tells the user."""
    with time_machine.travel(NOW, tick=False):
        bob_client.post(cancel_url(meeting), {"reason": ""})
        response = bob_client.post(cancel_url(meeting), {"reason": ""}, follow=True)
    assert "already cancelled" in response.content.decode()
    assert BookingEvent.objects.filter(meeting=meeting, kind="cancelled").count() == 1


def test_no_shows_at_another_branch_are_only_counted(world, bob_client, meeting):
    """A no-show of the same customer at another branch counts, but its date, topic and link
    stay hidden from this branch's staff; an administrator sees it listed."""
    aarhus = factories.location(name="Aarhus")
    erik = factories.employee(location=aarhus, name="Erik")
    secret = factories.topic(name="Secret topic", employees=[erik])
    old_start = START - timedelta(days=7)
    elsewhere = factories.meeting(
        topic=secret, employee=erik, start=old_start, now=old_start - timedelta(days=1)
    )
    Meeting.objects.filter(pk=elsewhere.pk).update(
        customer=meeting.customer, outcome=MeetingOutcome.NO_SHOW, outcome_at=old_start
    )
    response = bob_client.get(url(meeting))
    html = response.content.decode()
    assert response.context["no_show_count"] == 1
    assert response.context["no_shows"] == []
    assert "Earlier no-shows of this customer: 1." in html
    assert "1 of them at another branch (not listed)." in html
    assert "Secret topic" not in html
    assert reverse("staff:meeting", args=[elsewhere.pk]) not in html
    admin = signed_in(staff_user(None, role=ADMINISTRATOR, name="boss"))
    assert admin.get(url(meeting)).context["no_shows"] == [elsewhere]
