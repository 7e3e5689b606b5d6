"""Book for a customer: staff walk the website's flow from their side (booking.staff.phone)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from booking.models import BookedBy, Meeting, TimeSlot, TimeSlotStatus
from tests import factories
from tests.staff.conftest import staff_user

# Tuesday 2 June 2026, 10:00 Copenhagen (CEST) = 08:00 UTC; the clock is Monday 08:00.
TUESDAY_TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def alice_client(world) -> Client:
    client = Client()
    client.force_login(staff_user(world.alice))
    return client


@pytest.fixture
def elsewhere(world):
    """A second branch with its own adviser, who holds the world's topic too."""
    branch = factories.location(name="Aarhus")
    erik = factories.employee(location=branch, name="Erik")
    world.topic.employees.add(erik)
    return erik


def options(world, **extra) -> dict:
    return {
        "topic": world.topic.pk,
        "type": "online",
        "location": world.location.pk,
        "employee": "",
        **extra,
    }


def hold(client: Client, world, start: datetime = TUESDAY_TEN, **extra):
    return client.post(
        reverse("staff:phone_booking"), {**options(world, **extra), "start": start.isoformat()}
    )


def details_data(**extra) -> dict:
    return {
        "name": "Carla Customer",
        "email": "carla@example.com",
        "phone": "+45 12 34 56 78",
        "language": "en",
        "description": "",
        **extra,
    }


def test_signing_in_is_required(client, world):
    """An anonymous visitor is sent to sign in."""
    url = reverse("staff:phone_booking")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_customers_get_404(client, world):
    """A signed-in customer without a staff role gets 404, not the staff page."""
    client.force_login(User.objects.create_user(username="customer", password="x"))
    assert client.get(reverse("staff:phone_booking")).status_code == 404


def test_staff_see_topics_customers_cannot_book(alice_client, world):
    """Topics with customer_bookable=False are offered to staff."""
    factories.topic(name="Estate planning", employees=[world.alice], customer_bookable=False)
    response = alice_client.get(reverse("staff:phone_booking"))
    assert response.status_code == 200
    assert "Estate planning" in response.text
    assert "Mortgage" in response.text


def test_options_show_the_picker(alice_client, world):
    """Valid options show a week of free times, from the same search as the website."""
    response = alice_client.get(reverse("staff:phone_booking"), options(world))
    assert response.status_code == 200
    assert TUESDAY_TEN.isoformat() in response.text


def test_htmx_gets_only_the_picker(alice_client, world):
    """An HTMX request gets the picker partial, not the whole page."""
    response = alice_client.get(
        reverse("staff:phone_booking"), options(world), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="picker"' in response.text
    assert "<html" not in response.text


def test_employee_of_another_branch_is_refused(alice_client, world, elsewhere):
    """Only the visible branches' employees can be chosen: the field says so."""
    response = alice_client.get(
        reverse("staff:phone_booking"), options(world, employee=elsewhere.pk)
    )
    assert response.status_code == 200
    assert "With whom?:" in response.text
    assert TUESDAY_TEN.isoformat() not in response.text
    assert response.context["form"].errors["employee"]


def test_topic_that_lacks_the_type_names_the_field(alice_client, world):
    """A meeting type the topic does not allow is an error on the type field."""
    response = alice_client.get(reverse("staff:phone_booking"), options(world, type="phone"))
    assert response.context["form"].errors["type"]


def test_a_whole_phone_booking(alice_client, world, run_tasks, django_capture_on_commit_callbacks):
    """Hold, details, confirm: a meeting booked by an employee, with the customer's answers,
    and the customer gets the confirmation with the manage link."""
    question = world.topic.information_questions.create(text="What is the purpose?", required=True)
    response = hold(alice_client, world)
    assert response.status_code == 302
    slot = TimeSlot.objects.get()
    assert slot.holder == f"employee:{world.alice.pk}"
    assert response["Location"] == reverse("staff:phone_booking_details", args=[slot.pk])

    page = alice_client.get(response["Location"])
    assert page.status_code == 200
    assert "What is the purpose?" in page.text

    with django_capture_on_commit_callbacks(execute=True):
        done = alice_client.post(
            response["Location"], details_data(**{f"answer_{question.pk}": "A new house"})
        )
    meeting = Meeting.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("staff:phone_booking_done", args=[meeting.reference])
    assert meeting.booked_by == BookedBy.EMPLOYEE
    assert meeting.owner == f"employee:{world.alice.pk}"
    assert meeting.customer.name == "Carla Customer"
    assert meeting.customer.phone == "+45 12 34 56 78"
    assert meeting.answers.get().answer == "A new house"
    assert meeting.time_slot.status == TimeSlotStatus.BOOKED

    page = alice_client.get(done["Location"])
    assert page.status_code == 200
    assert meeting.reference in page.text

    run_tasks()
    to_customer = [m for m in mail.outbox if m.to == ["carla@example.com"]]
    assert len(to_customer) == 1
    assert reverse("booking:manage", args=[meeting.reference]) in to_customer[0].body


def test_a_second_submit_shows_the_first_booking(alice_client, world):
    """Submitting the details twice books once."""
    slot_url = hold(alice_client, world)["Location"]
    first = alice_client.post(slot_url, details_data())
    second = alice_client.post(slot_url, details_data())
    assert first["Location"] == second["Location"]
    assert Meeting.objects.count() == 1


def test_missing_details_name_the_field_and_keep_the_input(alice_client, world):
    """A missing email is an error on that field; the typed name stays."""
    slot_url = hold(alice_client, world)["Location"]
    response = alice_client.post(slot_url, details_data(email=""))
    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert 'value="Carla Customer"' in response.text
    assert not Meeting.objects.exists()


def test_missing_answer_names_the_question(alice_client, world):
    """A required information question left empty is an error on its field."""
    question = world.topic.information_questions.create(text="What is the purpose?", required=True)
    slot_url = hold(alice_client, world)["Location"]
    response = alice_client.post(slot_url, details_data())
    assert response.status_code == 400
    assert response.context["form"].errors[f"answer_{question.pk}"]


def test_category_restricted_topic_asks_for_the_category(alice_client, world):
    """A topic open to some categories only needs the customer's category."""
    business = factories.category("Business")
    world.topic.customer_categories.set([business])
    slot_url = hold(alice_client, world)["Location"]
    response = alice_client.post(slot_url, details_data())
    assert response.context["form"].errors["category"]
    response = alice_client.post(slot_url, details_data(category=business.pk))
    assert response.status_code == 302
    assert Meeting.objects.get().customer_category == business


def test_non_bookable_topic_is_booked_by_staff(alice_client, world):
    """Staff book a topic customers cannot book themselves."""
    staff_only = factories.topic(
        name="Estate planning", employees=[world.alice], customer_bookable=False
    )
    slot_url = hold(alice_client, world, topic=staff_only.pk)["Location"]
    alice_client.post(slot_url, details_data())
    assert Meeting.objects.get().topic == staff_only


def test_a_taken_time_says_so(alice_client, world):
    """A time no longer free answers with the picker and a message, not a hold."""
    factories.meeting(topic=world.topic, employee=world.alice, start=TUESDAY_TEN)
    factories.meeting(topic=world.topic, employee=world.bob, start=TUESDAY_TEN)
    response = hold(alice_client, world)
    assert response.status_code == 409
    assert "not available" in response.text
    assert TimeSlot.objects.filter(holder__startswith="employee:").count() == 0


def test_someone_elses_hold_is_404(world):
    """Another staff member's hold (or the website's) answers 404."""
    alice, bob = Client(), Client()
    alice.force_login(staff_user(world.alice))
    bob.force_login(staff_user(world.bob))
    slot_url = hold(alice, world)["Location"]
    assert bob.get(slot_url).status_code == 404
    assert bob.post(slot_url, details_data()).status_code == 404


def test_done_page_of_another_branch_is_404(alice_client, world, elsewhere):
    """A meeting at a branch the staff member does not see answers 404."""
    meeting = factories.meeting(topic=world.topic, employee=elsewhere, start=TUESDAY_TEN)
    url = reverse("staff:phone_booking_done", args=[meeting.reference])
    assert alice_client.get(url).status_code == 404


def test_release_gives_the_time_back(alice_client, world):
    """Choosing another time releases the hold and returns to the picker."""
    slot_url = hold(alice_client, world)["Location"]
    slot = TimeSlot.objects.get()
    response = alice_client.post(reverse("staff:phone_booking_release", args=[slot.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:phone_booking"))
    slot.refresh_from_db()
    assert slot.status == TimeSlotStatus.CANCELLED
    assert slot_url


def test_htmx_errors_answer_the_form_partial_with_422(alice_client, world):
    """Over HTMX a refused form is the details partial with 422, which htmx swaps in."""
    slot_url = hold(alice_client, world)["Location"]
    response = alice_client.post(slot_url, details_data(name=""), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'id="details-form"' in response.text
    assert "<html" not in response.text


def test_an_administrator_books_as_the_staff_user(world, django_user_model):
    """An administrator without an employee record books as the staff user, for any branch."""
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client = Client()
    client.force_login(admin)
    slot_url = hold(client, world)["Location"]
    assert TimeSlot.objects.get().holder == f"staff:{admin.pk}"
    client.post(slot_url, details_data())
    meeting = Meeting.objects.get()
    assert (meeting.owner, meeting.booked_by) == (f"staff:{admin.pk}", BookedBy.EMPLOYEE)


def test_done_page_of_a_meeting_not_just_booked_here_is_404(alice_client, world):
    """The done page shows the customer's manage link: a meeting of the same branch that this
    staff member did not just book (a website booking) answers 404, without the link."""
    meeting = factories.meeting(topic=world.topic, employee=world.alice, start=TUESDAY_TEN)
    response = alice_client.get(reverse("staff:phone_booking_done", args=[meeting.reference]))
    assert response.status_code == 404
    assert reverse("booking:manage", args=[meeting.reference]) not in response.text


def test_done_page_of_a_colleagues_booking_is_404(world):
    """Bob, of the same branch, cannot open the done page of Alice's phone booking by its
    reference; Alice can, again, in her session."""
    alice, bob = Client(), Client()
    alice.force_login(staff_user(world.alice))
    bob.force_login(staff_user(world.bob))
    done = alice.post(hold(alice, world)["Location"], details_data())
    assert alice.get(done["Location"]).status_code == 200
    assert alice.get(done["Location"]).status_code == 200
    assert bob.get(done["Location"]).status_code == 404
