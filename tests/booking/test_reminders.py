"""Reminders: planned from booking events, sent by the real worker on time, never stale."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from booking import reminders, services, tasks
from booking.actors import Actor
from booking.ical import manage_url
from booking.models import Meeting, SideEffectRun, SideEffectStatus
from config_data.models import MeetingTopic
from tests import background, factories

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
REMINDER_SUBJECTS = ("Reminder:", "Erinnerung:")

# EU spring forward: Sunday 28 March 2027, 01:00 UTC (02:00 CET -> 03:00 CEST).
# The Monday after, 10:00 CEST = 08:00 UTC.
SPRING_MONDAY_TEN = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
# EU fall back: Sunday 25 October 2026, 01:00 UTC (03:00 CEST -> 02:00 CET).
# The Monday after, 10:00 CET = 09:00 UTC.
AUTUMN_MONDAY_TEN = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """A stopped clock that tests move by hand (booking time, then reminder time)."""
    with time_machine.travel(datetime(2026, 6, 1, 6, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def book(world, clock, django_capture_on_commit_callbacks):
    """Books an online meeting with Alice at `start`, `booked_at` on the clock, and runs the
    after-commit handlers as a real commit would (they plan the reminders)."""
    world.alice.online_meeting_link = "https://meet.example.com/alice"
    world.alice.save()

    def book(start: datetime, *, booked_at: datetime, **kwargs) -> Meeting:
        clock.move_to(booked_at)
        kwargs.setdefault("topic", world.topic)
        kwargs.setdefault("employee", world.alice)
        kwargs.setdefault("customer_email", "carla@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            meeting = factories.meeting(start=start, **kwargs)
        background.dispatch_queued()  # a worker's first step: the handlers plan the reminders
        return meeting

    return book


@pytest.fixture
def run_at(clock, run_tasks):
    """Moves the clock to `instant`, runs the worker until nothing is due, and returns the
    reminders it sent (other emails, such as the confirmation, are cleared away)."""

    def run_at(instant: datetime) -> list[mail.EmailMessage]:
        clock.move_to(instant)
        mail.outbox.clear()
        run_tasks()
        return [m for m in mail.outbox if m.subject.startswith(REMINDER_SUBJECTS)]

    return run_at


def reminder_runs(meeting: Meeting) -> list[SideEffectRun]:
    return list(
        SideEffectRun.objects.filter(
            key__startswith=reminders.reminder_key_prefix(meeting.pk)
        ).order_by("run_after")
    )


def reschedule(meeting: Meeting, start: datetime, capture) -> Meeting:
    with capture(execute=True):
        moved = factories.reschedule(meeting, start=start)
    background.dispatch_queued()
    return moved


# --- the topic's setting -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_topic_reminds_once_24_hours_before():
    """The default: one reminder, 1440 minutes before the start."""
    topic = factories.topic()
    assert topic.reminder_offsets == [1440]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "offsets",
    [
        "1440",
        1440,
        [0],
        [-60],
        [1.5],
        ["60"],
        [True],
        [60, 60],
        [60 * 24 * 30 + 1],
        [1, 2, 3, 4, 5, 6],
        {"minutes": 60},
    ],
)
def test_a_topic_refuses_reminder_offsets_that_are_not_a_short_list_of_positive_minutes(offsets):
    """Bad reminder settings are a validation error on the field, never saved."""
    topic = factories.topic()
    topic.reminder_offsets = offsets
    with pytest.raises(ValidationError) as caught:
        topic.full_clean()
    assert "reminder_offsets" in caught.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize("offsets", [[], [60], [1440, 60, 10], [60 * 24 * 30]])
def test_a_topic_accepts_no_reminders_or_several(offsets):
    """An empty list (no reminders) and several distinct offsets are valid."""
    topic = factories.topic()
    topic.reminder_offsets = offsets
    topic.full_clean()


def topic_admin_post(client, topic: MeetingTopic, reminder_offsets: str):
    """Posts the topic's admin form as the page filled it, with reminder_offsets changed."""
    url = f"/admin/config_data/meetingtopic/{topic.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    # An unticked box and an empty list are not sent at all (0 is a value: kept).
    data = {k: v for k, v in data.items() if v is not None and v is not False and v != []}
    data["reminder_offsets"] = reminder_offsets
    data.update(
        {"information_questions-TOTAL_FORMS": "0", "information_questions-INITIAL_FORMS": "0"}
    )
    return client.post(url, data)


@pytest.mark.django_db
def test_the_admin_edits_reminders_and_an_emptied_field_means_none(admin_client):
    """Staff set the offsets in the admin; clearing the field saves [] (no database error)."""
    topic = factories.topic(employees=[])
    page = admin_client.get(f"/admin/config_data/meetingtopic/{topic.pk}/change/")
    assert "[1440] is 24 hours before" in page.content.decode()

    assert topic_admin_post(admin_client, topic, "[1440, 60]").status_code == 302
    topic.refresh_from_db()
    assert topic.reminder_offsets == [1440, 60]

    assert topic_admin_post(admin_client, topic, "").status_code == 302
    topic.refresh_from_db()
    assert topic.reminder_offsets == []


@pytest.mark.django_db
def test_the_admin_refuses_bad_reminders_on_the_field(admin_client):
    """A bad value re-renders the form with the field's error; nothing is saved."""
    topic = factories.topic(employees=[])
    response = topic_admin_post(admin_client, topic, "[0, 60]")
    assert response.status_code == 200
    assert "reminder_offsets" in response.context["adminform"].form.errors
    topic.refresh_from_db()
    assert topic.reminder_offsets == [1440]


# --- planning ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_booking_plans_one_reminder_per_offset_keyed_by_the_meeting_sequence(world, book):
    """Each offset gives one pending effect, due that many minutes before the start."""
    world.topic.reminder_offsets = [1440, 60]
    world.topic.save()
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    meeting = book(start, booked_at=datetime(2026, 6, 1, 6, 0, tzinfo=UTC))
    runs = reminder_runs(meeting)
    assert [(r.key, r.run_after, r.status) for r in runs] == [
        (f"reminder:{meeting.pk}:0:1440", start - 24 * HOUR, SideEffectStatus.PENDING),
        (f"reminder:{meeting.pk}:0:60", start - HOUR, SideEffectStatus.PENDING),
    ]
    assert runs[0].name == reminders.REMINDER
    assert runs[0].kwargs == {"meeting_id": meeting.pk, "sequence": 0, "offset_minutes": 1440}


@pytest.mark.django_db
def test_a_reminder_already_past_at_booking_time_is_not_planned(world, book, run_at):
    """Booked 2 hours before with reminders 24 h and 1 h before: only the 1-hour one is sent."""
    world.topic.reminder_offsets = [1440, 60]
    world.topic.save()
    start = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
    meeting = book(start, booked_at=start - 2 * HOUR)
    assert [r.key for r in reminder_runs(meeting)] == [f"reminder:{meeting.pk}:0:60"]
    assert len(run_at(start - HOUR)) == 1


@pytest.mark.django_db
def test_a_topic_without_reminders_plans_none(world, book):
    """reminder_offsets = [] means no reminder at all."""
    world.topic.reminder_offsets = []
    world.topic.save()
    meeting = book(datetime(2026, 6, 10, 8, 0, tzinfo=UTC), booked_at=world_now())
    assert reminder_runs(meeting) == []


def world_now() -> datetime:
    return datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_planning_twice_schedules_each_reminder_once(world, book, run_at):
    """A handler run again for the same event (a retry) changes nothing: one email."""
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    meeting = book(start, booked_at=world_now())
    event = meeting.events.get(kind="meeting_created")
    reminders.plan_reminders(event)
    assert len(reminder_runs(meeting)) == 1
    assert len(run_at(start - 24 * HOUR)) == 1
    assert run_at(start - 23 * HOUR) == []


# --- sending: across DST, at the exact instant -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "offset", "due"),
    [
        # 24 h before 10:00 CEST Monday: Sunday 08:00 UTC (10:00 CEST, after the change).
        (SPRING_MONDAY_TEN, 1440, datetime(2027, 3, 28, 8, 0, tzinfo=UTC)),
        # 48 h of elapsed time span the change: Saturday 08:00 UTC, which is 09:00 CET,
        # not the wall-clock 10:00 (09:00 UTC) that "two days before" would give.
        (SPRING_MONDAY_TEN, 2880, datetime(2027, 3, 27, 8, 0, tzinfo=UTC)),
        # Autumn: 48 h before 10:00 CET Monday is Saturday 09:00 UTC = 11:00 CEST.
        (AUTUMN_MONDAY_TEN, 2880, datetime(2026, 10, 24, 9, 0, tzinfo=UTC)),
        (AUTUMN_MONDAY_TEN, 1440, datetime(2026, 10, 25, 9, 0, tzinfo=UTC)),
    ],
)
def test_a_reminder_is_sent_exactly_its_offset_in_elapsed_hours_before_across_dst(
    world, book, run_at, start, offset, due
):
    """The worker sends it at start - offset of real time (the UTC instant), not a second
    earlier, once, to the customer, with the time written in the meeting's zone."""
    world.topic.reminder_offsets = [offset]
    world.topic.save()
    meeting = book(start, booked_at=start - timedelta(days=10))
    assert reminder_runs(meeting)[0].run_after == due

    assert run_at(due - SECOND) == []
    sent = run_at(due)
    assert len(sent) == 1
    assert sent[0].to == ["carla@example.com"]
    assert "10:00" in sent[0].subject  # local time, on both sides of the change
    assert "Europe/Copenhagen" in sent[0].body
    assert run_at(due + HOUR) == []  # never twice
    assert reminder_runs(meeting)[0].status == SideEffectStatus.DONE


# --- never stale ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rescheduled_meeting_is_reminded_of_its_new_time_only(
    world, book, run_at, django_capture_on_commit_callbacks
):
    """Moving the meeting cancels the old reminder and plans one for the new time."""
    old_start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    new_start = datetime(2026, 6, 12, 12, 0, tzinfo=UTC)
    meeting = book(old_start, booked_at=world_now())
    meeting = reschedule(meeting, new_start, django_capture_on_commit_callbacks)

    runs = {r.key: r.status for r in reminder_runs(meeting)}
    assert runs == {
        f"reminder:{meeting.pk}:0:1440": SideEffectStatus.CANCELLED,
        f"reminder:{meeting.pk}:1:1440": SideEffectStatus.PENDING,
    }
    assert run_at(old_start - 24 * HOUR) == []
    sent = run_at(new_start - 24 * HOUR)
    assert len(sent) == 1
    assert "14:00" in sent[0].subject  # 12:00 UTC in Copenhagen (CEST)


@pytest.mark.django_db
def test_a_cancelled_meeting_gets_no_reminder(
    world, book, run_at, clock, django_capture_on_commit_callbacks
):
    """Cancelling cancels the planned reminders; nothing is sent when they were due."""
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    meeting = book(start, booked_at=world_now())
    clock.move_to(world_now() + HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=Actor.system("test"), meeting_id=meeting.pk)
    background.dispatch_queued()
    assert [r.status for r in reminder_runs(meeting)] == [SideEffectStatus.CANCELLED]
    assert run_at(start - 24 * HOUR) == []


@pytest.mark.django_db
def test_a_reminder_that_slipped_past_a_cancellation_rechecks_and_sends_nothing(
    world, book, run_at, clock
):
    """Even if the planned effect was not cancelled, the worker sends nothing for a
    meeting cancelled since (the effect re-checks when it runs)."""
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    meeting = book(start, booked_at=world_now())
    clock.move_to(world_now() + HOUR)
    services.meeting_cancel(actor=Actor.system("test"), meeting_id=meeting.pk)
    assert [r.status for r in reminder_runs(meeting)] == [SideEffectStatus.PENDING]
    assert run_at(start - 24 * HOUR) == []
    assert [r.status for r in reminder_runs(meeting)] == [SideEffectStatus.DONE]


@pytest.mark.django_db
def test_a_reminder_of_an_old_time_sends_nothing_even_if_not_cancelled(world, book):
    """The sequence in the key must be the meeting's current one."""
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    meeting = book(start, booked_at=world_now())
    Meeting.objects.filter(pk=meeting.pk).update(ical_sequence=1)
    meeting.refresh_from_db()
    assert "moved" in reminders.skip_reason(meeting, sequence=0, now=start - 24 * HOUR)
    assert reminders.skip_reason(meeting, sequence=1, now=start - 24 * HOUR) is None


@pytest.mark.django_db
def test_a_late_worker_sends_no_reminder_once_the_meeting_began(world, book, run_at):
    """A worker that was down until after the start sends nothing: too late to remind."""
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    meeting = book(start, booked_at=world_now())
    assert run_at(start) == []
    assert run_at(start + HOUR) == []
    assert [r.status for r in reminder_runs(meeting)] == [SideEffectStatus.DONE]


@pytest.mark.django_db
def test_a_customer_without_email_gets_no_reminder(world, book, run_at):
    """An API client's customer known by reference only: nothing to send, nothing fails."""
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    meeting = book(start, booked_at=world_now(), customer_email="")
    assert run_at(start - 24 * HOUR) == []
    assert [r.status for r in reminder_runs(meeting)] == [SideEffectStatus.DONE]


# --- the email -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_reminder_has_the_link_the_manage_page_the_invite_and_an_html_part(world, book, run_at):
    """Online: the meeting link; always the manage link, invite.ics and an HTML version."""
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    meeting = book(start, booked_at=world_now())
    (sent,) = run_at(start - 24 * HOUR)
    assert "https://meet.example.com/alice" in sent.body
    assert manage_url(meeting) in sent.body
    parsed = email.message_from_bytes(sent.message().as_bytes())
    types = [part.get_content_type() for part in parsed.walk()]
    assert "text/html" in types
    assert "text/calendar" in types


@pytest.mark.django_db
def test_an_in_person_reminder_gives_the_address_in_the_room_zone_and_the_language(
    world, book, run_at
):
    """In person: the room's address; the time in its zone; the customer's language."""
    world.small_room.timezone = "Europe/London"
    world.small_room.save()
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    book(
        start,
        booked_at=world_now(),
        meeting_type="physical",
        room=world.small_room,
        language="de",
    )
    (sent,) = run_at(start - 24 * HOUR)
    assert "Main Street 1" in sent.body
    assert "09:00" in sent.body  # 08:00 UTC in London (BST)
    assert "Europe/London" in sent.body
    assert sent.subject.startswith("Erinnerung")


@pytest.mark.django_db
def test_the_reminder_says_whether_the_customer_can_still_change_the_meeting_online(
    world, book, run_at
):
    """Before the topic's cut-off the link offers changes; after it, the email says to call."""
    world.topic.reminder_offsets = [2880, 1440]  # cut-off: 24 hours
    world.topic.save()
    start = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    book(start, booked_at=world_now())
    (early,) = run_at(start - 48 * HOUR)
    assert "To reschedule or cancel, open this link:" in early.body
    (late,) = run_at(start - 24 * HOUR)
    assert "can no longer be changed online" in late.body
    assert "To reschedule or cancel" not in late.body


# --- the demo -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_sends_a_reminder_within_two_minutes_of_loading(run_at, clock):
    """load_demo plans one reminder due a minute later; the worker prints it then."""
    loaded_at = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    clock.move_to(loaded_at)
    call_command("load_demo", stdout=StringIO())
    sent = run_at(loaded_at + 2 * timedelta(minutes=1))
    assert len(sent) == 1


def test_the_reminder_effect_is_registered():
    """The worker knows "reminder.send" (booking.apps imports booking.reminders)."""
    assert tasks.registered(reminders.REMINDER).function is reminders.send_reminder
    assert MeetingTopic._meta.get_field("reminder_offsets").default() == [1440]
