"""Signed-in customers: details prefilled, "Book again" from My meetings, and the adviser
they met last preselected on the options step (falling back to "any available")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from booking import services
from booking.actors import Actor
from booking.models import Customer
from tests.web.conftest import (  # noqa: F401 - the web tests' clock and cache, autouse
    TUESDAY_TEN,
    _clock,
    _fresh_cache,
    book,
    held_slot_id,
    hold,
)


@pytest.fixture
def carla(db):
    return get_user_model().objects.create_user("carla", "carla@example.com", "pw")


def options_html(client, bank, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    url = reverse("booking:options", args=[bank.topic.pk]) + (f"?{query}" if query else "")
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def selected_employee(html: str) -> str:
    """The value of the preselected option of the employee select."""
    select = html.split('name="employee"', 1)[1].split("</select>", 1)[0]
    return select.split(" selected", 1)[0].rsplit('value="', 1)[1].split('"', 1)[0]


def test_book_again_links_the_topics_met_about_with_their_category(client, bank, carla):
    """My meetings offers "Book again" per topic, once, opening its options step with the
    customer category of the last meeting; the link works."""
    client.force_login(carla)
    book(client, bank, category=bank.business.pk)
    book(client, bank, TUESDAY_TEN + timedelta(hours=2), category=bank.business.pk)
    html = client.get(reverse("booking:my_meetings")).content.decode()
    url = reverse("booking:options", args=[bank.topic.pk]) + f"?category={bank.business.pk}"
    assert html.count(f'href="{url}"') == 1
    assert f"Book {bank.topic.name} again" in html
    assert client.get(url).status_code == 200


def test_book_again_is_german_and_left_out_for_closed_topics(client, bank, carla):
    """The link is translated, and a topic no longer open to customers has none."""
    client.force_login(carla)
    book(client, bank)
    html = client.get(
        reverse("booking:my_meetings"), headers={"Accept-Language": "de"}
    ).content.decode()
    assert "Erneut buchen" in html
    bank.topic.customer_bookable = False
    bank.topic.save()
    html = client.get(reverse("booking:my_meetings")).content.decode()
    assert "Book again" not in html


def test_no_book_again_without_meetings_and_only_ones_own(client, bank, carla):
    """Another customer's meetings give no link; none at all for a new account."""
    other = get_user_model().objects.create_user("otto", "otto@example.com", "pw")
    client.force_login(other)
    book(client, bank)
    client.force_login(carla)
    assert "Book again" not in client.get(reverse("booking:my_meetings")).content.decode()


def test_adviser_met_last_is_preselected(client, bank, carla, frozen_clock):
    """Met Bob (the later of two past meetings): Bob is preselected; before any meeting,
    and for a visitor, "any available"."""
    client.force_login(carla)
    assert selected_employee(options_html(client, bank)) == "any"
    book(client, bank, employee=str(bank.alice.pk))
    book(client, bank, TUESDAY_TEN + timedelta(hours=2), employee=str(bank.bob.pk))
    assert selected_employee(options_html(client, bank)) == "any"  # not met yet: upcoming
    frozen_clock.shift(timedelta(days=2))
    assert selected_employee(options_html(client, bank)) == str(bank.bob.pk)
    client.logout()
    assert selected_employee(options_html(client, bank)) == "any"


def test_cancelled_meetings_and_departed_advisers_fall_back(client, bank, carla, frozen_clock):
    """A cancelled meeting is not "met"; an adviser who no longer holds the topic is not
    offered: both fall back to the one met before, or to "any available"."""
    client.force_login(carla)
    with_alice = book(client, bank, employee=str(bank.alice.pk))
    with_bob = book(client, bank, TUESDAY_TEN + timedelta(hours=2), employee=str(bank.bob.pk))
    services.meeting_cancel(actor=Actor.system(), meeting_id=with_bob.pk)
    frozen_clock.shift(timedelta(days=2))
    assert selected_employee(options_html(client, bank)) == str(bank.alice.pk)
    bank.topic.employees.remove(bank.alice)
    assert selected_employee(options_html(client, bank)) == "any"
    assert with_alice.customer.user == carla


def test_signed_in_details_are_prefilled_from_the_customer_record(client, bank, carla):
    """The details form shows the account's customer record (name, email, phone)."""
    Customer.objects.create(name="Carla Known", email="c@known.example", phone="123", user=carla)
    client.force_login(carla)
    slot_id = held_slot_id(hold(client, bank.topic))
    html = client.get(reverse("booking:details", args=[slot_id])).content.decode()
    assert 'value="Carla Known"' in html
    assert 'value="c@known.example"' in html
    assert 'value="123"' in html
