"""load_demo: the demo bank, loaded twice, is the same bank."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from booking import roles
from booking.models import Meeting, TimeSlot
from config_data.models import (
    Absence,
    ClosedDay,
    CustomerCategory,
    Employee,
    Location,
    MeetingTopic,
    Room,
    WorkingHours,
)


def snapshot() -> dict[str, list]:
    return {
        "locations": list(Location.objects.values_list("name", "street", "timezone")),
        "closed": list(ClosedDay.objects.values_list("location__name", "date")),
        "categories": list(CustomerCategory.objects.values_list("name", flat=True)),
        "rooms": list(Room.objects.values_list("name", "capacity", "location__name")),
        "employees": list(Employee.objects.values_list("email", "name", "title", "user_id")),
        "hours": list(
            WorkingHours.objects.values_list("employee__email", "weekday", "start", "end")
        ),
        "topics": list(MeetingTopic.objects.values().order_by("name")),
        "topic_links": list(
            MeetingTopic.objects.values_list(
                "name", "employees__email", "customer_categories__name"
            )
        ),
        "slots": list(TimeSlot.objects.values_list("pk", "start", "status")),
        "meetings": list(Meeting.objects.values_list("pk", "time_slot_id", "status")),
        "absences": list(Absence.objects.values_list("employee__email", "start", "end")),
        "roles": list(
            Employee.objects.values_list("email", "user__groups__name", "user__is_staff")
        ),
    }


@pytest.mark.django_db
def test_load_demo_builds_the_demo_bank_and_a_second_run_changes_nothing(frozen_clock):
    """Two locations, three categories, six+ topics, eight+ employees, six+ rooms, meetings."""
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "password" in out.getvalue()
    assert Location.objects.count() == 2
    assert set(CustomerCategory.objects.values_list("name", flat=True)) == {
        "Private",
        "Business",
        "Prospect",
    }
    assert MeetingTopic.objects.count() >= 6
    assert Employee.objects.count() >= 8
    assert Room.objects.count() >= 6
    assert MeetingTopic.objects.filter(physical=False, phone=False, online=True).exists()
    assert MeetingTopic.objects.filter(customer_bookable=False).exists()
    assert MeetingTopic.objects.filter(customer_categories__name="Business").exists()
    assert Meeting.objects.count() >= 20
    assert not TimeSlot.objects.double_booked().exists()
    before = snapshot()
    call_command("load_demo", stdout=StringIO())
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)  # the bookings' handlers run on commit
def test_the_demo_mails_a_reminder_and_a_waitlist_offer_but_no_confirmations(
    frozen_clock, run_tasks, mailoutbox
):
    """`make run` shows the worker at work: two minutes after loading, the console has one
    reminder and one waitlist offer, and none of the demo's hundred bookings was mailed."""
    from datetime import timedelta

    call_command("load_demo", stdout=StringIO())
    run_tasks()
    frozen_clock.shift(timedelta(minutes=3))
    run_tasks()
    subjects = [message.subject for message in mailoutbox]
    assert not [s for s in subjects if s.startswith(("Confirmed", "New meeting"))], subjects
    assert len([s for s in subjects if s.startswith("Reminder")]) == 1, subjects
    assert len([s for s in subjects if s.startswith("A time has become free")]) == 1, subjects


@pytest.mark.django_db
def test_the_demo_has_a_branch_manager_per_branch_and_an_absence_that_collides(frozen_clock):
    """Each branch has one branch manager (group, employee there, admin access); the other
    employees are advisers without the admin; one adviser's absence covers booked meetings;
    load_demo prints these accounts with their password."""
    out = StringIO()
    call_command("load_demo", stdout=out)
    printed = out.getvalue()
    for location in Location.objects.all():
        [manager] = Employee.objects.filter(
            location=location, user__groups__name=roles.BRANCH_MANAGER
        )
        assert manager.user.is_staff
        assert list(roles.visible_locations(manager.user)) == [location]
        assert f"Branch manager of {location}: {manager.email}, password 'bookme-demo'" in printed
    advisers = Employee.objects.filter(user__groups__name=roles.ADVISER)
    assert advisers.count() >= 8
    assert not advisers.filter(user__is_staff=True).exists()
    [absence] = Absence.objects.all()
    colliding = (
        Meeting.objects.confirmed()
        .filter(time_slot__employee=absence.employee)
        .during(absence.start, absence.end)
    )
    assert colliding.exists()
    assert absence.employee.user.groups.filter(name=roles.ADVISER).exists()
    assert f"Absent:    {absence.employee.name} ({absence.employee.email})" in printed
    assert "Advisers:  sign in at http://127.0.0.1:8000/staff/" in printed
