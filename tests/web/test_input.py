"""Hostile input to the website: NUL bytes in every form field and query parameter, and
control characters in names. A field error or a 4xx, never a 500, nothing saved. Run on
PostgreSQL too: it refuses NUL in text where SQLite stores it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from booking.models import Customer, Meeting
from tests.web.conftest import (
    TUESDAY_TEN,
    answers_for,
    book,
    details_data,
    held_slot_id,
    hold,
)

NUL = "\x00"


@pytest.fixture
def held(client, bank) -> int:
    return held_slot_id(hold(client, bank.topic, TUESDAY_TEN, category=bank.private.pk))


def field_errors(response) -> dict:
    return response.context["form"].errors


@pytest.mark.parametrize("field", ["name", "email", "phone", "description", "answer"])
def test_a_nul_byte_in_a_details_field_is_an_error_on_that_field(client, bank, held, field):
    """Every field of the details form refuses NUL, by name; no customer, no meeting."""
    data = {**details_data(), **answers_for(bank.topic)}
    name = next(k for k in data if k.startswith(field))
    data[name] = f"x{NUL}y"
    response = client.post(reverse("booking:details", args=[held]), data)
    assert response.status_code in (200, 400, 422), response.status_code
    assert name in field_errors(response)
    assert not Meeting.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["Carla\nCustomer", "Carla\r\nBcc: x@example.com", "Carla\tC", "Carla\x1b", "Carla\u2028C"],
)
def test_a_name_with_a_line_break_or_control_character_is_refused(client, bank, held, name):
    """The name goes into email headers and invites: an error on the name field."""
    data = {**details_data(name=name), **answers_for(bank.topic)}
    response = client.post(reverse("booking:details", args=[held]), data)
    assert field_errors(response)["name"] == ["Please use one line without control characters."]
    assert not Meeting.objects.exists()


def test_a_name_with_accents_and_apostrophes_is_fine(client, bank, held):
    """Printable names from anywhere are names."""
    data = {**details_data(name="Zoë O'Brien-Ørsted"), **answers_for(bank.topic)}
    response = client.post(reverse("booking:details", args=[held]), data)
    assert response.status_code == 302
    assert Meeting.objects.get().customer.name == "Zoë O'Brien-Ørsted"


def picker_requests(bank) -> list[tuple[str, str, dict]]:
    topic = bank.topic
    options = reverse("booking:options", args=[topic.pk])
    times = reverse("booking:times", args=[topic.pk])
    base = {"type": "online", "employee": "any", "category": str(bank.private.pk)}
    requests = []
    for key in ("type", "employee", "location", "category", "week"):
        requests.append(("get", options, {**base, key: f"1{NUL}"}))
        requests.append(("get", times, {**base, key: f"1{NUL}"}))
        requests.append(("post", times, {**base, "start": TUESDAY_TEN.isoformat(), key: NUL}))
    requests.append(("post", times, {**base, "start": f"{TUESDAY_TEN.isoformat()}{NUL}"}))
    requests.append(("get", reverse("booking:landing"), {"category": NUL}))
    return requests


def test_nul_bytes_in_the_pickers_parameters_are_never_a_server_error(client, bank):
    """Every query or form parameter of the booking flow, with a NUL byte: no 500 (a wrong
    option sends the customer back to the options, a wrong time is a 400)."""
    for method, path, data in picker_requests(bank):
        response = getattr(client, method)(path, data)
        assert response.status_code < 500, (method, path, data)


def test_nul_bytes_in_the_manage_pages_are_never_a_server_error(client, bank):
    """Reschedule and cancel with NUL in their parameters, and in the reference itself."""
    meeting = book(client, bank)
    reschedule = reverse("booking:reschedule", args=[meeting.reference])
    for method, data in (
        ("get", {"employee": NUL}),
        ("get", {"week": f"2026-06-08{NUL}"}),
        ("post", {"employee": "any", "start": f"{TUESDAY_TEN.isoformat()}{NUL}"}),
        ("post", {"employee": NUL, "start": NUL}),
    ):
        response = getattr(client, method)(reschedule, data)
        assert response.status_code < 500, (method, data)
    for path in (f"/m/{meeting.reference}%00/", "/m/%00/cancel/", "/hold/1%00/"):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/login/", {"login": f"a{NUL}@example.com", "password": f"x{NUL}"}),
        (
            "/accounts/signup/",
            {"email": f"a{NUL}@example.com", "password1": f"p{NUL}", "password2": f"p{NUL}"},
        ),
        ("/accounts/password/reset/", {"email": f"a{NUL}@example.com"}),
        ("/lost-link/", {"email": f"a{NUL}@example.com"}),
    ],
)
def test_nul_bytes_in_the_account_forms_are_field_errors(client, db, path, data):
    """Sign-in, sign-up, password reset and the lost-link form: an error, never a 500."""
    response = client.post(path, data)
    assert response.status_code < 500
    form = response.context.get("form") if response.context else None
    if form is not None:
        assert form.errors
