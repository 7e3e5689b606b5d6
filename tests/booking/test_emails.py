"""booking.emails: sent after commit, with the invite attached, never at the booking's expense."""

from __future__ import annotations

import email
import logging
import smtplib
import socket
from datetime import UTC, datetime, timedelta
from email.message import Message

import icalendar
import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction

from booking import emails, services
from booking.actors import Actor
from booking.ical import manage_url
from booking.models import Meeting, MeetingStatus, TimeSlotStatus
from tests import factories

# Tuesday 2 June 2026, 10:00 Copenhagen (CEST) = 08:00 UTC.
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""


@pytest.fixture
def book(world, django_capture_on_commit_callbacks):
    """Books a meeting with Alice and runs the after-commit callbacks, as a real commit would."""
    world.alice.email = "alice@bank.example"
    world.alice.title = "Mortgage adviser"
    world.alice.online_meeting_link = "https://meet.example.com/alice"
    world.alice.save()

    def book(**kwargs) -> Meeting:
        kwargs.setdefault("topic", world.topic)
        kwargs.setdefault("employee", world.alice)
        kwargs.setdefault("start", TEN)
        with django_capture_on_commit_callbacks(execute=True):
            return factories.meeting(**kwargs)

    return book


def invite_of(message: mail.EmailMessage) -> tuple[Message, icalendar.Calendar]:
    """The text/calendar part as a mail client sees it, and its parsed calendar."""
    parsed = email.message_from_bytes(message.message().as_bytes())
    parts = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return parts[0], icalendar.Calendar.from_ical(payload)


def by_recipient(address: str) -> mail.EmailMessage:
    found = [m for m in mail.outbox if m.to == [address]]
    assert len(found) == 1, [m.to for m in mail.outbox]
    return found[0]


class TestConfirmed:
    def test_customer_gets_details_manage_link_and_a_request_invite(self, book):
        """The customer's email has the what, when (with zone), who, where, link and invite."""
        meeting = book(description="About our flat.")
        message = by_recipient("carla@example.com")
        assert message.subject == "Confirmed: Mortgage on 2 June 2026"
        assert message.reply_to == ["alice@bank.example"]
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"
        body = message.body
        assert "Hello Carla Customer," in body
        assert "Tuesday, 2 June 2026, 10:00–11:00 (Europe/Copenhagen)" in body
        assert "With: Alice, Mortgage adviser" in body
        assert "How: Online" in body
        assert "Where: https://meet.example.com/alice" in body
        assert manage_url(meeting) in body
        assert "24 hours before" in body
        assert "{%" not in body
        assert "{{" not in body
        assert "\n\n\n" not in body

        part, calendar = invite_of(message)
        assert part.get_param("method") == "REQUEST"
        assert part.get_filename() == "invite.ics"
        assert str(calendar["METHOD"]) == "REQUEST"
        event = calendar.walk("VEVENT")[0]
        assert str(event["UID"]) == meeting.ical_uid
        assert event.decoded("DTSTART") == TEN

    def test_employee_gets_the_customer_and_their_answers(self, world, book):
        """The employee learns who booked, what they wrote and what they answered."""
        topic = factories.topic(
            name="Pension", employees=[world.alice], questions=["Your current provider?"]
        )
        question = topic.information_questions.get()
        factories.meeting(  # warm up: a booking of Bob's sends nothing to Alice
            topic=world.topic, employee=world.bob, start=TEN
        )
        meeting = book(
            topic=topic, description="Retiring in 2030.", answers={question.pk: "Danica"}
        )
        message = by_recipient("alice@bank.example")
        assert message.subject == "New meeting: Pension with Carla Customer, 02/06/2026 10:00"
        assert message.reply_to == ["carla@example.com"]
        assert "Customer: Carla Customer <carla@example.com>" in message.body
        assert "Retiring in 2030." in message.body
        assert "Your current provider?\nDanica" in message.body
        assert manage_url(meeting) not in message.body  # the customer's link stays theirs
        assert str(invite_of(message)[1].walk("VEVENT")[0]["UID"]) == meeting.ical_uid

    def test_nothing_is_sent_before_the_commit(self, world, django_capture_on_commit_callbacks):
        """Emails wait for the commit: inside the transaction the outbox stays empty."""
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
        assert mail.outbox == []
        assert len(callbacks) == 1
        callbacks[0]()
        assert len(mail.outbox) == 2

    def test_a_booking_that_rolls_back_sends_nothing(
        self, world, django_capture_on_commit_callbacks
    ):
        """No email for a meeting that was never saved."""

        def book_then_fail() -> None:
            with transaction.atomic():
                factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
                raise RuntimeError("something later in the same transaction failed")

        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError, match="later in the same transaction"),
        ):
            book_then_fail()
        assert callbacks == []
        assert mail.outbox == []
        assert not Meeting.objects.exists()

    def test_a_room_only_meeting_mails_only_the_customer(self, world, book):
        """Without an employee there is no one else to tell."""
        topic = factories.topic(name="Self-service room", physical=True, online=False)
        book(topic=topic, employee=None, room=world.big_room, meeting_type="physical")
        assert [m.to for m in mail.outbox] == [["carla@example.com"]]
        assert "Where: Big, Main Street 1, 1000 Copenhagen, Denmark" in mail.outbox[0].body
        assert mail.outbox[0].reply_to == []


class TestChanges:
    def test_reschedule_names_the_old_time_and_sends_a_higher_sequence(
        self, book, django_capture_on_commit_callbacks
    ):
        """A moved meeting: both are told, with the old and the new time, same UID, SEQUENCE 1."""
        meeting = book()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            factories.reschedule(meeting, start=TEN + 3 * HOUR)
        customer = by_recipient("carla@example.com")
        assert customer.subject == "Moved: Mortgage, now on 2 June 2026"
        assert "Your meeting on 2 June 2026 at 10:00 has been moved." in customer.body
        assert "13:00–14:00 (Europe/Copenhagen)" in customer.body
        part, calendar = invite_of(customer)
        assert part.get_param("method") == "REQUEST"
        event = calendar.walk("VEVENT")[0]
        assert (str(event["UID"]), event["SEQUENCE"]) == (meeting.ical_uid, 1)
        assert event.decoded("DTSTART") == TEN + 3 * HOUR
        employee = by_recipient("alice@bank.example")
        assert employee.subject.startswith("Moved: Mortgage with Carla Customer")
        assert "moved their meeting on 2 June 2026 at 10:00" in employee.body

    def test_cancel_sends_a_cancel_invite_once(self, book, django_capture_on_commit_callbacks):
        """Cancelled: METHOD:CANCEL for the same UID; cancelling again sends nothing more."""
        meeting = book()
        mail.outbox.clear()
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@bank.example", "carla@example.com"]
        customer = by_recipient("carla@example.com")
        assert customer.subject == "Cancelled: Mortgage on 2 June 2026"
        assert "Your meeting has been cancelled:" in customer.body
        assert "http://127.0.0.1:8000/" in customer.body
        part, calendar = invite_of(customer)
        assert part.get_param("method") == "CANCEL"
        event = calendar.walk("VEVENT")[0]
        assert str(calendar["METHOD"]) == "CANCEL"
        assert (str(event["UID"]), event["STATUS"]) == (meeting.ical_uid, "CANCELLED")
        assert event["SEQUENCE"] == 1

    def test_a_reschedule_to_the_same_slot_sends_nothing(
        self, book, django_capture_on_commit_callbacks
    ):
        """Nothing changed, nothing to tell."""
        meeting = book()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.meeting_reschedule(
                actor=Actor.for_session("factory"),
                meeting_id=meeting.pk,
                new_time_slot_id=meeting.time_slot_id,
            )
        assert mail.outbox == []


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class FailingForAliceBackend(LocmemBackend):
    """A mail server that refuses one recipient and delivers the others."""

    def send_messages(self, messages):
        if any("alice@bank.example" in m.to for m in messages):
            raise smtplib.SMTPRecipientsRefused({"alice@bank.example": (550, b"No such user")})
        return super().send_messages(messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestFailures:
    def test_a_failing_backend_keeps_the_booking_and_logs(self, book, settings, caplog):
        """The mail server raising does not undo the meeting; the error is logged."""
        settings.EMAIL_BACKEND = "tests.booking.test_emails.FailingBackend"
        with caplog.at_level(logging.ERROR, logger="booking.emails"):
            meeting = book()
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.CONFIRMED
        assert meeting.time_slot.status == TimeSlotStatus.BOOKED
        records = [r for r in caplog.records if r.name == "booking.emails"]
        assert len(records) == 2  # the customer's and the employee's email
        assert all(r.levelno == logging.ERROR and r.exc_info for r in records)
        assert "carla@example.com" in records[0].getMessage()
        assert mail.outbox == []

    def test_an_unreachable_smtp_server_keeps_the_booking(self, book, settings, caplog):
        """The real SMTP backend against a closed port: refused connection, logged, booked."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
            "127.0.0.1",
            free_port(),
            2,
        )
        with caplog.at_level(logging.ERROR, logger="booking.emails"):
            meeting = book()
        assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CONFIRMED
        errors = [r for r in caplog.records if r.name == "booking.emails"]
        assert errors
        assert isinstance(errors[0].exc_info[1], OSError)

    def test_one_refused_recipient_does_not_stop_the_other(self, book, settings, caplog):
        """The customer still gets their invite when the employee's address is refused."""
        settings.EMAIL_BACKEND = "tests.booking.test_emails.FailingForAliceBackend"
        with caplog.at_level(logging.ERROR, logger="booking.emails"):
            book()
        assert [m.to for m in mail.outbox] == [["carla@example.com"]]
        assert ["alice@bank.example" in r.getMessage() for r in caplog.records] == [True]

    def test_a_failing_cancel_email_keeps_the_cancellation(self, book, settings, caplog):
        """Cancelling works even when the mail server is down."""
        meeting = book()
        settings.EMAIL_BACKEND = "tests.booking.test_emails.FailingBackend"
        with caplog.at_level(logging.ERROR, logger="booking.emails"):
            book_cancel = services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
            emails.meeting_cancelled(meeting.pk)
        assert Meeting.objects.get(pk=book_cancel.pk).status == MeetingStatus.CANCELLED
        assert any(r.name == "booking.emails" for r in caplog.records)

    def test_an_unknown_meeting_is_logged_not_raised(self, db, caplog):
        """A callback for a meeting that is gone logs and returns, it never raises."""
        with caplog.at_level(logging.ERROR, logger="booking.emails"):
            assert emails.meeting_confirmed(999_999) == 0
        assert "meeting 999999" in caplog.records[0].getMessage()
        assert mail.outbox == []


@pytest.mark.parametrize(
    ("language", "subject", "when", "how"),
    [
        (
            "de",
            "Bestätigt: Mortgage am 2. Juni 2026",
            "Wann: Dienstag, 2. Juni 2026, 10:00–11:00 (Europe/Copenhagen)",
            "Wie: Online",
        ),
        (
            "da",
            "Bekræftet: Mortgage den 2. juni 2026",
            "Hvornår: tirsdag, 2. juni 2026, 10:00–11:00 (Europe/Copenhagen)",
            "Hvordan: Online",
        ),
    ],
)
def test_the_customer_email_is_in_the_meeting_language(book, language, subject, when, how):
    """The customer reads the language they booked in; the invite text follows it too."""
    meeting = book(language=language)
    customer = by_recipient("carla@example.com")
    assert customer.subject == subject
    assert when in customer.body
    assert how in customer.body
    assert "Hello" not in customer.body
    event = invite_of(customer)[1].walk("VEVENT")[0]
    assert manage_url(meeting) in str(event["DESCRIPTION"])
    assert "Reschedule or cancel" not in str(event["DESCRIPTION"])
    # The employee's email stays in the site's language.
    assert by_recipient("alice@bank.example").subject.startswith("New meeting:")
