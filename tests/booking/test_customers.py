"""Customers by an API client's reference: one record per reference, one line per name."""

from __future__ import annotations

import pytest
from django.test import Client

from booking import services
from booking.models import Customer, Meeting
from tests.api.helpers import Caller, booked_slot, issue_token, make_application, meeting_body
from tests.concurrency import race

THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_parallel_first_meetings_with_details_share_one_new_customer(world):
    """Two first meetings introducing the same new customerId with details at once: both get
    the one customer record, neither an IntegrityError (a 500 in the API)."""
    for round_ in range(5):  # a race: repeated, so a missing retry cannot pass by luck
        reference = f"7:new-{round_}"
        results = race(
            [
                lambda n=n, reference=reference: services.customer_upsert(
                    name=f"Carla {n}", email="carla@example.com", external_id=reference
                )
                for n in range(THREADS)
            ]
        )
        assert all(isinstance(r, Customer) for r in results), results
        assert {r.pk for r in results} == {Customer.objects.get(external_id=reference).pk}


@pytest.mark.django_db(transaction=True)
def test_parallel_first_bookings_of_one_account_share_one_customer(world):
    """The same race by account (two tabs of a signed-in customer): one customer record."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("carla", "carla@example.com", "pw")
    results = race(
        [
            lambda: services.customer_upsert(
                name="Carla", email="carla@example.com", user_id=user.pk
            )
            for _ in range(THREADS)
        ]
    )
    assert all(isinstance(r, Customer) for r in results), results
    assert Customer.objects.filter(user=user).count() == 1


@pytest.fixture
def caller(db, frozen_clock) -> Caller:
    application = make_application("Partner", "read write")
    return Caller(application, issue_token(application, "read write"), Client())


@pytest.mark.parametrize(
    "customer_id",
    ["cust\n1", "cust\r\nBcc: all@example.com", "cust\t1", "cust\x1b[31m", "cust\u2028x", "\x7f"],
)
@pytest.mark.parametrize("with_details", [False, True])
def test_a_customer_id_is_one_line_like_a_name(world, caller, customer_id, with_details):
    """customerId becomes the display name in emails and the invite's ATTENDEE: a line
    break or control character is a 400 naming customerId, and nothing is recorded."""
    slot = booked_slot(caller, world.alice)
    body = meeting_body(world, slot, customerId=customer_id)
    if not with_details:
        del body["customer"]
    response = caller.post("/api/bookme/meetings", body)
    assert response.status_code == 400, response.content
    assert response.json()["parameter"] == "customerId"
    assert not Customer.objects.exists()
    assert not Meeting.objects.exists()


def test_a_customer_id_may_be_any_printable_text(world, caller):
    """Spaces, punctuation and other scripts are references, not attacks."""
    slot = booked_slot(caller, world.alice)
    body = meeting_body(world, slot, customerId="Kunde 42/Ø-山田")
    del body["customer"]
    response = caller.post("/api/bookme/meetings", body)
    assert response.status_code == 201, response.content
    assert response.json()["customer"]["id"] == "Kunde 42/Ø-山田"
