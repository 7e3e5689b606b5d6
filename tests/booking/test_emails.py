"""booking.emails: sent after commit, with the invite attached, never at the booking's expense."""

from __future__ import annotations

import email
import logging
import re
import smtplib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.utils import timezone

from booking import emails, services, tasks
from booking.actors import Actor
from booking.ical import manage_url
from booking.models import (
    Meeting,
    MeetingStatus,
    SideEffectRun,
    SideEffectStatus,
    TimeSlotStatus,
)
from tests import factories

# Tuesday 2 June 2026, 10:00 Copenhagen (CEST) = 08:00 UTC.
TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _clock(frozen_clock):
    """Monday 1 June 2026 08:00 Copenhagen, the day before TEN."""


@pytest.fixture
def committed(django_capture_on_commit_callbacks, run_tasks):
    """with committed(): ... runs the after-commit callbacks, as a real commit would, then
    the worker, which sends the emails they scheduled."""

    @contextmanager
    def committed() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_tasks()

    return committed


@pytest.fixture
def book(world, committed):
    """Books a meeting with Alice, commits and runs the worker."""
    world.alice.email = "alice@bank.example"
    world.alice.title = "Mortgage adviser"
    world.alice.online_meeting_link = "https://meet.example.com/alice"
    world.alice.save()

    def book(**kwargs) -> Meeting:
        kwargs.setdefault("topic", world.topic)
        kwargs.setdefault("employee", world.alice)
        kwargs.setdefault("start", TEN)
        kwargs.setdefault("customer_email", "carla@example.com")
        with committed():
            meeting = factories.meeting(**kwargs)
        return meeting

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

    def test_nothing_is_sent_before_the_commit(
        self, world, django_capture_on_commit_callbacks, run_tasks
    ):
        """Emails wait for the commit and then for the worker: the request sends nothing."""
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            factories.meeting(topic=world.topic, employee=world.alice, start=TEN)
        assert mail.outbox == []
        assert callbacks
        for callback in callbacks:
            callback()
        assert mail.outbox == []
        run_tasks()
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
    def test_reschedule_names_the_old_time_and_sends_a_higher_sequence(self, book, committed):
        """A moved meeting: both are told, with the old and the new time, same UID, SEQUENCE 1."""
        meeting = book()
        mail.outbox.clear()
        with committed():
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

    def test_cancel_sends_a_cancel_invite_once(self, book, committed):
        """Cancelled: METHOD:CANCEL for the same UID; cancelling again sends nothing more."""
        meeting = book()
        mail.outbox.clear()
        for _ in range(2):
            with committed():
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

    def test_a_reschedule_to_the_same_slot_sends_nothing(self, book, committed):
        """Nothing changed, nothing to tell."""
        meeting = book()
        mail.outbox.clear()
        with committed():
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


def email_runs() -> dict[str, tuple[str, str]]:
    """The confirmation emails' ledger rows by recipient: status and the error's type."""
    return {
        run.kwargs["recipient"]: (run.status, run.last_error.split(":")[0])
        for run in SideEffectRun.objects.filter(name="email.meeting_confirmed")
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestFailures:
    def test_a_failing_backend_keeps_the_booking_and_retries(self, book, settings):
        """The mail server raising does not undo the meeting; both emails wait for a retry."""
        settings.EMAIL_BACKEND = "tests.booking.test_emails.FailingBackend"
        meeting = book()
        meeting.refresh_from_db()
        assert meeting.status == MeetingStatus.CONFIRMED
        assert meeting.time_slot.status == TimeSlotStatus.BOOKED
        assert email_runs() == {
            "customer": (SideEffectStatus.PENDING, "SMTPServerDisconnected"),
            "employee": (SideEffectStatus.PENDING, "SMTPServerDisconnected"),
        }
        assert mail.outbox == []

    def test_an_unreachable_smtp_server_keeps_the_booking(self, book, settings):
        """The real SMTP backend against a closed port: refused connection, recorded, booked."""
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
            "127.0.0.1",
            free_port(),
            2,
        )
        meeting = book()
        assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CONFIRMED
        assert email_runs()["customer"] == (SideEffectStatus.PENDING, "ConnectionRefusedError")

    def test_one_refused_recipient_does_not_stop_the_other(self, book, settings):
        """The customer still gets their invite when the employee's address is refused."""
        settings.EMAIL_BACKEND = "tests.booking.test_emails.FailingForAliceBackend"
        book()
        assert [m.to for m in mail.outbox] == [["carla@example.com"]]
        assert email_runs() == {
            "customer": (SideEffectStatus.DONE, ""),
            "employee": (SideEffectStatus.PENDING, "SMTPRecipientsRefused"),
        }

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


# --- How the emails look: HTML with a plain-text part, branded, linked ----------------

# Elements that never have an end tag.
VOID_ELEMENTS = {"area", "base", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"}
GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"


class Html(HTMLParser):
    """An HTML part read as a mail client would: tags must nest and close, links kept."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype, self.lang = "", ""
        self.open: list[str] = []
        self.errors: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.feed(source)
        self.close()

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        if tag == "a":
            self.links.append(found.get("href") or "")
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def html_of(message: mail.EmailMessage) -> Html:
    """The message's one HTML alternative, checked to be a well-formed document."""
    assert isinstance(message, mail.EmailMultiAlternatives)
    assert [mimetype for _, mimetype in message.alternatives] == ["text/html"]
    page = Html(str(message.alternatives[0][0]))
    assert page.errors == []
    assert page.open == []
    assert page.doctype.lower() == "doctype html"
    return page


def mime_types(message: mail.EmailMessage) -> list[str]:
    parsed = email.message_from_bytes(message.message().as_bytes())
    return [part.get_content_type() for part in parsed.walk()]


def query(url: str) -> dict[str, str]:
    values = parse_qs(urlsplit(url).query, strict_parsing=True)
    return {key: value[0] for key, value in values.items()}


def calendar_links_in(links: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The one Google and the one Outlook link of a list, parsed."""
    google = [link for link in links if link.startswith(GOOGLE + "?")]
    outlook = [link for link in links if link.startswith(OUTLOOK + "?")]
    assert (len(google), len(outlook)) == (1, 1), links
    return query(google[0]), query(outlook[0])


@pytest.fixture
def sent(book, committed):
    """sent(event) books (and moves or cancels) a meeting and returns it with the emails
    of that last step."""

    def sent(event: str, **kwargs) -> Meeting:
        meeting = book(**kwargs)
        if event != emails.CONFIRMED:
            mail.outbox.clear()
            with committed():
                if event == emails.RESCHEDULED:
                    factories.reschedule(meeting, start=TEN + 3 * HOUR)
                else:
                    services.meeting_cancel(actor=Actor.system(), meeting_id=meeting.pk)
            meeting.refresh_from_db()
        assert sorted(m.to[0] for m in mail.outbox) == ["alice@bank.example", "carla@example.com"]
        return meeting

    return sent


EVENTS = [emails.CONFIRMED, emails.RESCHEDULED, emails.CANCELLED]


class TestLook:
    @pytest.mark.parametrize("event", EVENTS)
    def test_every_email_is_html_with_text_and_the_invite(self, sent, event):
        """Text, its HTML alternative (well-formed, branded, zone named) and the invite."""
        meeting = sent(event)
        start = meeting.start.astimezone(meeting.display_zone)
        for message in mail.outbox:
            assert mime_types(message) == [
                "multipart/mixed",
                "multipart/alternative",
                "text/plain",
                "text/html",
                "text/calendar",
            ]
            page = html_of(message)
            assert page.lang == "en"
            assert message.subject in page.words  # the title and the heading
            assert f"{start:%H:%M}" in page.words
            assert "(Europe/Copenhagen)" in page.words
            assert "(Europe/Copenhagen)" in message.body
            assert "BookMe" in page.words
            assert emails.brand()["brand"] in message.alternatives[0][0]
            assert "{{" not in page.words
            assert "{%" not in page.words
            part, calendar = invite_of(message)
            method = "CANCEL" if event == emails.CANCELLED else "REQUEST"
            assert (part.get_param("method"), str(calendar["METHOD"])) == (method, method)
            assert str(calendar.walk("VEVENT")[0]["UID"]) == meeting.ical_uid

    @pytest.mark.parametrize("event", [emails.CONFIRMED, emails.RESCHEDULED])
    def test_the_customer_gets_the_manage_link_and_calendar_links(self, sent, event):
        """Both parts link the manage page, Google Calendar and Outlook; the links parse back
        to the meeting's exact times, topic, place and manage link."""
        meeting = sent(event)
        message = by_recipient("carla@example.com")
        page = html_of(message)
        assert manage_url(meeting) in page.links
        assert manage_url(meeting) in message.body
        google, outlook = calendar_links_in(page.links)
        assert calendar_links_in(re.findall(r"https://\S+", message.body)) == (google, outlook)
        utc = meeting.start.astimezone(UTC), meeting.end.astimezone(UTC)
        assert google["action"] == "TEMPLATE"
        assert google["dates"] == f"{utc[0]:%Y%m%dT%H%M%SZ}/{utc[1]:%Y%m%dT%H%M%SZ}"
        assert (outlook["startdt"], outlook["enddt"]) == (
            f"{utc[0]:%Y-%m-%dT%H:%M:%SZ}",
            f"{utc[1]:%Y-%m-%dT%H:%M:%SZ}",
        )
        assert google["text"] == outlook["subject"] == "Mortgage"
        assert google["location"] == outlook["location"] == "https://meet.example.com/alice"
        assert manage_url(meeting) in google["details"]
        assert manage_url(meeting) in outlook["body"]
        assert "Add to Google Calendar" in page.words
        assert "Add to Outlook" in page.words

    @pytest.mark.parametrize("event", EVENTS)
    def test_the_employee_gets_their_schedule_not_the_customers_link(self, sent, event):
        """The employee's email links their schedule; the customer's manage link stays theirs,
        also inside the calendar links."""
        meeting = sent(event)
        message = by_recipient("alice@bank.example")
        page = html_of(message)
        assert "http://127.0.0.1:8000/me/schedule/" in page.links
        assert "http://127.0.0.1:8000/me/schedule/" in message.body
        assert manage_url(meeting) not in message.body
        assert manage_url(meeting) not in message.alternatives[0][0]
        assert "Customer: Carla Customer" in page.words
        assert "mailto:carla@example.com" in page.links
        if event != emails.CANCELLED:
            calendar_links_in(page.links)

    def test_a_cancelled_meeting_offers_no_calendar_links(self, sent):
        """Adding a cancelled meeting to a calendar makes no sense: the CANCEL invite removes
        it; the customer is offered a new booking instead."""
        sent(emails.CANCELLED)
        for message in mail.outbox:
            assert GOOGLE not in message.body
            assert all(not link.startswith((GOOGLE, OUTLOOK)) for link in html_of(message).links)
        assert "http://127.0.0.1:8000/" in html_of(by_recipient("carla@example.com")).links

    def test_what_the_customer_typed_is_escaped_in_html(self, book):
        """A name or description with markup is shown as text in HTML, as typed in plain text."""
        book(
            customer_name='Eve <img src=x onerror="alert(1)">',
            description="<script>alert(2)</script>\nSecond line & more",
        )
        customer, employee = by_recipient("carla@example.com"), by_recipient("alice@bank.example")
        for message in (customer, employee):
            html = message.alternatives[0][0]
            assert "<img" not in html
            assert "<script" not in html
            html_of(message)
        assert "Eve &lt;img" in customer.alternatives[0][0]
        assert (
            "&lt;script&gt;alert(2)&lt;/script&gt;<br>Second line &amp; more"
            in (employee.alternatives[0][0])
        )
        assert 'Hello Eve <img src=x onerror="alert(1)">,' in customer.body
        assert "<script>alert(2)</script>" in employee.body
        assert employee.subject.startswith('New meeting: Mortgage with Eve <img src=x onerror="')

    def test_a_german_meeting_is_mailed_in_german(self, book):
        """The customer's HTML and text are German, the calendar links' texts too; the
        employee's email stays in the site's language."""
        meeting = book(language="de")
        customer = by_recipient("carla@example.com")
        page = html_of(customer)
        assert page.lang == "de"
        assert customer.subject == "Bestätigt: Mortgage am 2. Juni 2026"
        for words in (page.words, customer.body):
            assert "Dienstag, 2. Juni 2026, 10:00–11:00 (Europe/Copenhagen)" in words
            assert "Zu Google Kalender hinzufügen" in words
            assert "Zu Outlook hinzufügen" in words
            assert "Freundliche Grüße" in words
        assert "Termin verwalten" in page.words
        assert "Dies ist eine automatische Nachricht von BookMe." in page.words
        assert "Hello" not in page.words
        google, _ = calendar_links_in(page.links)
        assert manage_url(meeting) in google["details"]
        assert "Reschedule or cancel" not in google["details"]
        employee = by_recipient("alice@bank.example")
        assert html_of(employee).lang == "en"
        assert "Add to Google Calendar" in employee.body

    def test_a_customer_without_an_email_address_gets_none(self, book):
        """A customer known by reference only (the API's customerId): only the employee is
        mailed, and the worker's customer email sends nothing."""
        meeting = book(customer_email="")
        assert [m.to for m in mail.outbox] == [["alice@bank.example"]]
        mail.outbox.clear()
        assert emails.send_meeting_email(meeting.pk, emails.CONFIRMED, recipient="customer") == 0
        assert mail.outbox == []

    def test_the_colours_are_the_sites_own(self):
        """The emails' brand colours are read from the site's stylesheet, not copied."""
        css = (Path(django_settings.BASE_DIR) / "static/css/bookme.css").read_text()
        for name in ("brand", "ink", "canvas", "brand-soft"):
            value = re.search(rf"--{name}:\s*([^;]+);", css)
            assert value is not None
            assert emails.brand()[name.replace("-", "_")] == value.group(1).strip()
        assert '"' not in emails.brand()["font"]  # it goes inside style="..."


class TestForTheWorker:
    def test_a_failing_send_raises_so_the_worker_retries(self, book, settings):
        """send_meeting_email does not swallow a mail server's error."""
        meeting = book()
        settings.EMAIL_BACKEND = "tests.booking.test_emails.FailingBackend"
        with pytest.raises(smtplib.SMTPServerDisconnected):
            emails.send_meeting_email(meeting.pk, emails.CONFIRMED, recipient="employee")

    def test_bad_arguments(self, book):
        """An unknown recipient is a programming error; a meeting that is gone sends nothing."""
        meeting = book()
        mail.outbox.clear()
        with pytest.raises(ValueError, match="Unknown recipient 'boss'"):
            emails.send_meeting_email(meeting.pk, emails.CONFIRMED, recipient="boss")
        assert emails.send_meeting_email(999_999, emails.CONFIRMED, recipient="customer") == 0
        assert mail.outbox == []

    def test_the_lost_links_email_uses_the_same_base(self, book):
        """Any email rendered with render_email gets the text, the HTML and the brand."""
        meeting = book()
        mail.outbox.clear()
        assert emails.lost_links("CARLA@example.com", language="da") == 1
        message = mail.outbox[0]
        assert message.to == ["carla@example.com"]
        page = html_of(message)
        assert page.lang == "da"
        assert manage_url(meeting) in page.links
        assert manage_url(meeting) in message.body
        assert "Venlig hilsen" in message.body
        assert mime_types(message) == ["multipart/alternative", "text/plain", "text/html"]


def test_email_templates_carry_styles_but_no_code():
    """Emails may inline styles (mail clients ignore stylesheets), never scripts or handlers."""
    root = Path(django_settings.BASE_DIR) / "templates" / "email"
    code = re.compile(r"<script\b|\son[a-z]+=|\bjavascript:|<style\b", re.IGNORECASE)
    templates = sorted(root.glob("*.html"))
    assert root / "base.html" in templates
    assert [
        f"{p.name}: {m.group(0)}" for p in templates for m in code.finditer(p.read_text())
    ] == []


class TestMessageId:
    def test_an_email_sent_again_after_a_worker_died_keeps_its_message_id(
        self, book, run_tasks, frozen_clock, settings
    ):
        """A side effect's email has a Message-ID from its key: a second attempt (the worker
        died after sending) is the same message to mail clients, which show it once."""
        settings.BOOKME_SITE_URL = "https://book.example.com"
        book()
        first = {m.to[0]: m.message()["Message-ID"] for m in mail.outbox}
        run = SideEffectRun.objects.get(key__endswith="email.meeting_confirmed:customer")
        # The worker died between sending and marking the run done.
        SideEffectRun.objects.filter(pk=run.pk).update(
            status=SideEffectStatus.RUNNING, started_at=timezone.now()
        )
        frozen_clock.shift(tasks.STALE_RUN_AFTER + timedelta(minutes=1))
        assert tasks.requeue_lost() == 1
        run_tasks()
        again = mail.outbox[2]
        assert again.to == ["carla@example.com"]
        assert again.message()["Message-ID"] == first["carla@example.com"]
        # One per effect and recipient: the employee's differs, and both look like ids.
        assert first["carla@example.com"] != first["alice@bank.example"]
        assert all(re.fullmatch(r"<[0-9a-f]{32}@book\.example\.com>", v) for v in first.values())

    def test_an_email_outside_a_side_effect_gets_a_fresh_message_id(self, book):
        """Sent directly (not by the worker) there is no key: Django's own random id."""
        meeting = book()
        mail.outbox.clear()
        emails.send_meeting_email(meeting.pk, emails.CONFIRMED, recipient="customer")
        emails.send_meeting_email(meeting.pk, emails.CONFIRMED, recipient="customer")
        ids = [m.message()["Message-ID"] for m in mail.outbox]
        assert ids[0] != ids[1]


# --- issue 13: the truth about changes and about who wrote a reason ------------------------


@pytest.mark.django_db
def test_confirmation_and_reminder_emails_state_the_change_deadline(book, committed):
    """The customer's emails name the last moment to change online, in the meeting's zone."""
    book()
    customer = by_recipient("carla@example.com")
    deadline = "You can move or cancel this meeting online until 1 June 2026, 10:00"
    assert f"{deadline} (Europe/Copenhagen)." in customer.body
    assert deadline in customer.alternatives[0][0]
    assert deadline not in by_recipient("alice@bank.example").body


@pytest.mark.django_db
def test_rescheduled_email_states_the_new_deadline(book, committed):
    """After a move the deadline follows the new time."""
    meeting = book()
    mail.outbox.clear()
    with committed():
        factories.reschedule(meeting, start=TEN + 24 * HOUR)
    body = by_recipient("carla@example.com").body
    assert "online until 2 June 2026, 10:00 (Europe/Copenhagen)." in body


@pytest.mark.django_db
def test_confirmation_inside_the_cutoff_promises_no_change(book):
    """Booked 4 hours ahead with a 24-hour cut-off: the email says to contact instead."""
    book(start=timezone.now() + 4 * HOUR)
    body = by_recipient("carla@example.com").body
    assert "can no longer be changed online" in body
    assert "To reschedule or cancel" not in body
    assert "You can move or cancel" not in body


@pytest.mark.django_db
def test_customers_own_cancel_reason_is_not_sent_back_as_our_message(book, committed):
    """A reason the customer gave is for staff; the cancellation does not quote it to them."""
    meeting = book()
    mail.outbox.clear()
    with committed():
        services.meeting_cancel(
            actor=Actor.for_session("factory"), meeting_id=meeting.pk, reason="Found another bank"
        )
    customer = by_recipient("carla@example.com")
    assert "Found another bank" not in customer.body
    assert "A message from us" not in customer.body


@pytest.mark.django_db
def test_staff_cancel_reason_is_still_a_message_to_the_customer(book, committed, world):
    """Staff's reason is written for the customer: the cancellation shows it."""
    meeting = book()
    mail.outbox.clear()
    with committed():
        services.meeting_cancel(
            actor=Actor.employee(world.alice), meeting_id=meeting.pk, reason="Alice is ill"
        )
    customer = by_recipient("carla@example.com")
    assert "A message from us:" in customer.body
    assert "Alice is ill" in customer.body
