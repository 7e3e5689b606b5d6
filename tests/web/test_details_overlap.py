"""The details form refuses a second overlapping meeting of one customer, with a clear message."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from booking.models import Meeting, TimeSlot, TimeSlotStatus
from booking.views.session_holds import SESSION_DRAFT
from tests.web.conftest import TUESDAY_TEN, answers_for, details_data, held_slot_id, hold


def confirm(client, bank, slot_id, **overrides):
    return client.post(
        reverse("booking:details", args=[slot_id]),
        {**details_data(), **answers_for(bank.topic), **overrides},
    )


def test_second_tab_with_another_employee_at_the_same_time_is_refused(client, bank):
    """Two tabs of one browser hold Alice and Bob at 10:00; the first confirms, the second
    gets a 409 naming the problem, keeps its details and its hold, and books nothing."""
    first = held_slot_id(hold(client, bank.topic, employee=str(bank.alice.pk)))
    second = held_slot_id(hold(client, bank.topic, employee=str(bank.bob.pk)))
    assert confirm(client, bank, first).status_code == 302

    response = confirm(client, bank, second, email="CARLA@example.com", name="Carla Again")
    html = response.content.decode()
    assert response.status_code == 409
    assert "There is already a confirmed meeting for this email address" in html
    assert "Choose another time" in html
    assert 'value="Carla Again"' in html
    assert client.session[SESSION_DRAFT]["name"] == "Carla Again"
    assert Meeting.objects.count() == 1
    assert TimeSlot.objects.get(pk=second).status == TimeSlotStatus.RESERVED


def test_another_browser_with_the_same_email_is_refused_too(client, bank):
    """No account, another browser, same email: still one meeting at that time."""
    assert confirm(client, bank, held_slot_id(hold(client, bank.topic))).status_code == 302
    other = Client()
    slot_id = held_slot_id(
        hold(other, bank.topic, TUESDAY_TEN + timedelta(minutes=30), employee=str(bank.bob.pk))
    )
    assert confirm(other, bank, slot_id).status_code == 409
    assert Meeting.objects.count() == 1


def test_htmx_refusal_answers_the_form_fragment_in_german(client, bank):
    """Over HTMX the form fragment comes back with the German message."""
    first = held_slot_id(hold(client, bank.topic, employee=str(bank.alice.pk)))
    second = held_slot_id(hold(client, bank.topic, employee=str(bank.bob.pk)))
    confirm(client, bank, first)
    response = client.post(
        reverse("booking:details", args=[second]),
        {**details_data(), **answers_for(bank.topic)},
        headers={"HX-Request": "true", "Accept-Language": "de"},
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "<html" not in html
    assert "bereits einen bestätigten Termin" in html


def test_a_later_time_is_booked(client, bank):
    """Back to back is fine: 10:00 and 11:00 for the same customer both book."""
    confirm(client, bank, held_slot_id(hold(client, bank.topic)))
    later = held_slot_id(hold(client, bank.topic, TUESDAY_TEN + timedelta(hours=1)))
    assert confirm(client, bank, later).status_code == 302
    assert Meeting.objects.count() == 2
