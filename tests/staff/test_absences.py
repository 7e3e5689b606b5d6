"""The absences pages (booking.staff.absences): enter one, see and resolve its meetings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from booking.models import Meeting, MeetingStatus
from booking.roles import BRANCH_MANAGER
from config_data.models import Absence, Employee
from tests import factories
from tests.staff.conftest import staff_user

# Tuesday 2 June 2026, 10:00 Copenhagen (CEST) = 08:00 UTC; the clock is Monday 08:00.
TUESDAY_TEN = datetime(2026, 6, 2, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def manager(world) -> Client:
    """Bob, the Copenhagen branch manager, signed in."""
    client = Client()
    client.force_login(staff_user(world.bob, role=BRANCH_MANAGER))
    return client


@pytest.fixture
def erik(world) -> Employee:
    """An adviser of another branch, holding the world's topic."""
    erik = factories.employee(location=factories.location(name="Aarhus"), name="Erik")
    world.topic.employees.add(erik)
    return erik


def alice_meeting(world, start=TUESDAY_TEN, **kwargs) -> Meeting:
    return factories.meeting(topic=world.topic, employee=world.alice, start=start, **kwargs)


def absence_data(employee: Employee, **extra) -> dict:
    """Tuesday 08:00 to 18:00 in the employee's (Copenhagen) zone."""
    return {
        "employee": employee.pk,
        "start": "2026-06-02T08:00",
        "end": "2026-06-02T18:00",
        "reason": "Ill",
        **extra,
    }


def test_signing_in_is_required(client, world):
    """An anonymous visitor is sent to sign in."""
    assert client.get(reverse("staff:absences")).status_code == 302


def test_customers_get_404(client, world):
    """A signed-in account without a staff role gets 404."""
    client.force_login(User.objects.create_user(username="customer", password="x"))
    assert client.get(reverse("staff:absences")).status_code == 404


def test_the_page_offers_the_branchs_employees_only(manager, world, erik):
    """The employee list holds the visible branch's employees, not another's."""
    response = manager.get(reverse("staff:absences"))
    assert response.status_code == 200
    assert "Alice" in response.text
    assert "Erik" not in response.text


def test_typing_shows_the_colliding_meetings_at_once(manager, world):
    """HTMX asks while the form is filled in: the partial lists the meetings it collides with."""
    alice_meeting(world)
    response = manager.get(
        reverse("staff:absences"), absence_data(world.alice), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="collisions"' in response.text
    assert "<html" not in response.text
    assert "Carla Customer" in response.text
    assert "1 booked meeting collides" in response.text


def test_typing_an_incomplete_period_shows_no_errors_yet(manager, world):
    """A half-filled form asks again later: nothing is listed, nothing breaks."""
    response = manager.get(
        reverse("staff:absences"),
        absence_data(world.alice, end=""),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Choose the employee and the period" in response.text


def test_saving_an_absence_opens_its_meetings(manager, world):
    """Plain submit saves the absence (in the employee's zone) and shows its meetings."""
    alice_meeting(world)
    response = manager.post(reverse("staff:absences"), absence_data(world.alice))
    absence = Absence.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:absence", args=[absence.pk])
    assert absence.start == datetime(2026, 6, 2, 6, 0, tzinfo=UTC)  # 08:00 CEST
    page = manager.get(response["Location"])
    assert "Carla Customer" in page.text
    assert "Move to a colleague free at this time" in page.text
    assert page.context["rows"][0].candidates == [world.bob]


def test_an_absence_without_meetings_is_saved_too(manager, world):
    """Nothing collides: the absence is still saved."""
    manager.post(reverse("staff:absences"), absence_data(world.alice))
    assert Absence.objects.filter(employee=world.alice).exists()


def test_a_reversed_period_names_the_field_and_keeps_the_input(manager, world):
    """End before start: an error on the end field; what was typed stays."""
    response = manager.post(
        reverse("staff:absences"), absence_data(world.alice, end="2026-06-02T07:00")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["end"]
    assert 'value="2026-06-02T07:00"' in response.text
    assert not Absence.objects.exists()


def test_a_bad_date_names_the_field(manager, world):
    """Unparseable input is an error on its field."""
    response = manager.post(reverse("staff:absences"), absence_data(world.alice, start="soon"))
    assert response.status_code == 400
    assert response.context["form"].errors["start"]


def test_an_employee_of_another_branch_is_refused(manager, world, erik):
    """Another branch's employee is no choice: a field error, nothing saved."""
    response = manager.post(reverse("staff:absences"), absence_data(erik))
    assert response.status_code == 400
    assert response.context["form"].errors["employee"]
    assert not Absence.objects.exists()


def test_another_branchs_absence_is_404(manager, world, erik):
    """An absence at a branch the user does not see answers 404, for reading and acting."""
    absence = Absence.objects.create(
        employee=erik, start=TUESDAY_TEN - HOUR, end=TUESDAY_TEN + 4 * HOUR
    )
    url = reverse("staff:absence", args=[absence.pk])
    assert manager.get(url).status_code == 404
    assert manager.post(url, {"action": "move_all"}).status_code == 404


def saved_absence(world) -> Absence:
    return Absence.objects.create(
        employee=world.alice, start=TUESDAY_TEN - 2 * HOUR, end=TUESDAY_TEN + 8 * HOUR
    )


def test_move_one_meeting_to_a_colleague(world):
    """Moving gives the meeting to the chosen colleague; the page says so."""
    carol = factories.employee(location=world.location, name="Carol")
    client = Client()
    client.force_login(staff_user(carol, role=BRANCH_MANAGER))
    meeting = alice_meeting(world)
    absence = saved_absence(world)
    url = reverse("staff:absence", args=[absence.pk])
    response = client.post(
        url, {"action": "move", "meeting": meeting.pk, "colleague": world.bob.pk}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.employee == world.bob
    page = client.get(url)
    assert "moved to Bob" in page.text


def test_move_over_htmx_answers_the_partial(manager, world):
    """HTMX gets the meetings partial with the outcome, not a redirect."""
    carol = factories.employee(location=world.location, name="Carol")
    world.topic.employees.add(carol)
    meeting = alice_meeting(world)
    absence = saved_absence(world)
    response = manager.post(
        reverse("staff:absence", args=[absence.pk]),
        {"action": "move", "meeting": meeting.pk, "colleague": carol.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="absence-meetings"' in response.text
    assert "moved to Carol" in response.text
    assert "No booked meetings collide" in response.text


def test_move_to_a_busy_colleague_says_why_and_keeps_the_meeting(manager, world):
    """Bob is no longer free: a conflict naming him beside the meeting; nothing moves."""
    meeting = alice_meeting(world)
    absence = saved_absence(world)
    factories.meeting(topic=world.topic, employee=world.bob, start=TUESDAY_TEN)
    response = manager.post(
        reverse("staff:absence", args=[absence.pk]),
        {"action": "move", "meeting": meeting.pk, "colleague": world.bob.pk},
    )
    assert response.status_code == 409
    assert "Bob is not free" in response.text
    meeting.refresh_from_db()
    assert meeting.employee == world.alice


def test_move_to_someone_of_another_branch_is_refused(manager, world, erik):
    """A colleague must work at the absent employee's branch."""
    meeting = alice_meeting(world)
    absence = saved_absence(world)
    response = manager.post(
        reverse("staff:absence", args=[absence.pk]),
        {"action": "move", "meeting": meeting.pk, "colleague": erik.pk},
    )
    assert response.status_code == 409
    assert "Choose one of the colleagues listed" in response.text
    meeting.refresh_from_db()
    assert meeting.employee == world.alice


def test_a_meeting_not_of_this_absence_is_404(manager, world):
    """Acting on a meeting outside the absence answers 404."""
    other = alice_meeting(world, start=TUESDAY_TEN + 24 * HOUR)
    absence = saved_absence(world)
    response = manager.post(
        reverse("staff:absence", args=[absence.pk]), {"action": "cancel", "meeting": other.pk}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == MeetingStatus.CONFIRMED


def test_cancel_one_with_a_message(manager, world):
    """Cancelling stores staff's message for the customer's email."""
    meeting = alice_meeting(world)
    absence = saved_absence(world)
    response = manager.post(
        reverse("staff:absence", args=[absence.pk]),
        {"action": "cancel", "meeting": meeting.pk, "message": "Please book again."},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancel_reason) == (
        MeetingStatus.CANCELLED,
        "Please book again.",
    )


def test_a_too_long_message_names_the_problem_and_keeps_it(manager, world):
    """A message over the limit is refused beside its meeting; the typed text stays."""
    meeting = alice_meeting(world)
    absence = saved_absence(world)
    typed = "x" * 1001
    response = manager.post(
        reverse("staff:absence", args=[absence.pk]),
        {"action": "cancel", "meeting": meeting.pk, "message": typed},
    )
    assert response.status_code == 400
    assert "at most 1000 characters" in response.text
    assert typed in response.text
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED


def test_move_all_and_cancel_all(manager, world):
    """For all: move each to a free colleague; what nobody can take is then cancelled."""
    first = alice_meeting(world)
    second = alice_meeting(world, start=TUESDAY_TEN + 4 * HOUR)
    factories.meeting(topic=world.topic, employee=world.bob, start=TUESDAY_TEN + 4 * HOUR)
    absence = saved_absence(world)
    url = reverse("staff:absence", args=[absence.pk])
    manager.post(url, {"action": "move_all"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.employee, second.employee) == (world.bob, world.alice)
    page = manager.get(url)
    assert "unchanged" in page.text
    manager.post(url, {"action": "cancel_all", "message": "Sorry"})
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == MeetingStatus.CANCELLED
    assert first.status == MeetingStatus.CONFIRMED  # Bob's now: not the absence's any more


def test_an_unknown_action_is_refused(manager, world):
    """A forged action is a 400, nothing changes."""
    absence = saved_absence(world)
    response = manager.post(reverse("staff:absence", args=[absence.pk]), {"action": "delete"})
    assert response.status_code == 400


def test_an_adviser_enters_an_absence_too(world):
    """Advisers (not only managers) enter absences at their branch; times in its zone."""
    client = Client()
    client.force_login(staff_user(world.alice))
    response = client.post(reverse("staff:absences"), absence_data(world.bob))
    assert response.status_code == 302
    page = client.get(reverse("staff:absences"))
    assert "Bob" in page.text
    assert "Europe/Copenhagen" in page.text


def test_an_administrator_sees_every_branch(world, erik, django_user_model):
    """An administrator (a superuser, no employee record) may enter any branch's absence and
    moves act as the staff user."""
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client = Client()
    client.force_login(admin)
    meeting = factories.meeting(topic=world.topic, employee=erik, start=TUESDAY_TEN)
    erik_colleague = factories.employee(location=erik.location, name="Frida")
    world.topic.employees.add(erik_colleague)
    response = client.post(reverse("staff:absences"), absence_data(erik))
    absence = Absence.objects.get()
    assert response["Location"] == reverse("staff:absence", args=[absence.pk])
    client.post(
        response["Location"],
        {"action": "move", "meeting": meeting.pk, "colleague": erik_colleague.pk},
    )
    meeting.refresh_from_db()
    assert meeting.employee == erik_colleague
    event = meeting.events.latest("pk")
    assert (event.kind, event.actor_kind, event.actor_id) == ("moved", "staff", str(admin.pk))


def test_a_time_in_the_spring_forward_gap_names_the_field(manager, world):
    """02:30 on 29 March 2026 does not exist in Copenhagen (02:00 jumps to 03:00): an error
    on the start field, no absence and no crash (it used to come out after its own end)."""
    response = manager.post(
        reverse("staff:absences"),
        absence_data(world.alice, start="2026-03-29T02:30", end="2026-03-29T03:10"),
    )
    assert response.status_code == 400
    assert "does not exist" in response.context["form"].errors["start"][0]
    assert "end" not in response.context["form"].errors
    assert not Absence.objects.exists()


def test_typing_a_time_in_the_gap_shows_the_error_not_a_crash(manager, world):
    """The live preview (GET) of a period in the gap shows the field error too."""
    response = manager.get(
        reverse("staff:absences"),
        absence_data(world.alice, start="2026-03-29T01:30", end="2026-03-29T02:10"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end"]
    assert response.context["collisions"] is None


def test_an_autumn_time_that_repeats_is_read_as_its_first_occurrence(manager, world):
    """02:30 on 25 October 2026 happens twice in Copenhagen: we take the first (fold=0,
    still CEST, 00:30 UTC); periods are compared in UTC."""
    manager.post(
        reverse("staff:absences"),
        absence_data(world.alice, start="2026-10-25T02:30", end="2026-10-25T02:45"),
    )
    absence = Absence.objects.get()
    assert absence.start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert absence.end == datetime(2026, 10, 25, 0, 45, tzinfo=UTC)


def test_the_models_own_validation_error_goes_on_the_form(manager, world, monkeypatch):
    """A ValidationError from saving the absence is shown on its field, not a 500."""
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError({"end": "End must be after start."})

    monkeypatch.setattr("booking.staff.absences.absence_create", refuse)
    response = manager.post(reverse("staff:absences"), absence_data(world.alice))
    assert response.status_code == 400
    assert response.context["form"].errors["end"] == ["End must be after start."]


def test_an_absence_over_a_begun_meeting_does_not_offer_it(manager, world, frozen_clock):
    """A meeting that has begun but not ended is not listed for moving or cancelling (only
    its outcome can be recorded); the later one is."""
    begun = alice_meeting(world, start=datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    later = alice_meeting(world, start=datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    frozen_clock.move_to(datetime(2026, 6, 1, 8, 15, tzinfo=UTC))
    assert begun.time_slot.end > datetime(2026, 6, 1, 8, 15, tzinfo=UTC)
    response = manager.get(
        reverse("staff:absences"),
        absence_data(world.alice, start="2026-06-01T09:00", end="2026-06-01T18:00"),
    )
    assert response.context["collisions"] == [later]
