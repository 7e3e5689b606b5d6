"""A branch manager runs their own branch in the admin, and nothing else: role by role."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from booking import roles
from booking.models import BookingEvent
from config_data.models import Room
from tests.admin.conftest import Branch

# (admin URL name prefix, the branch's object of that model)
SCOPED: list[tuple[str, Callable[[Branch], Any]]] = [
    ("config_data_location", lambda b: b.location),
    ("config_data_room", lambda b: b.room),
    ("config_data_employee", lambda b: b.employee),
    ("config_data_workinghours", lambda b: b.employee.working_hours.first()),
    ("config_data_openinghours", lambda b: b.location.opening_hours.first()),
    ("config_data_absence", lambda b: b.absence),
    ("config_data_closedday", lambda b: b.closed_day),
    ("booking_meeting", lambda b: b.meeting),
    ("booking_timeslot", lambda b: b.meeting.time_slot),
    ("booking_customer", lambda b: b.meeting.customer),
    ("booking_bookingevent", lambda b: BookingEvent.objects.filter(meeting=b.meeting).first()),
]
IDS = [name for name, _ in SCOPED]


def change_url(name: str, obj: Any) -> str:
    return reverse(f"admin:{name}_change", args=[obj.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pick"), SCOPED, ids=IDS)
def test_a_branch_manager_lists_only_their_branch(branches, manager_one, name, pick):
    """The list shows branch one's object and not branch two's."""
    response = manager_one.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert pick(branches.one).pk in shown
    assert pick(branches.two).pk not in shown


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pick"), SCOPED, ids=IDS)
def test_another_branchs_object_answers_404_to_a_branch_manager(branches, manager_one, name, pick):
    """Own object: its page opens; branch two's: 404 on change, delete and history, to a
    GET and to a POST (not a 403, which would tell that it exists), and it stays."""
    assert manager_one.get(change_url(name, pick(branches.one))).status_code == 200
    other = pick(branches.two)
    model = type(other)
    delete_url = reverse(f"admin:{name}_delete", args=[other.pk])
    assert manager_one.get(change_url(name, other)).status_code == 404
    assert manager_one.post(change_url(name, other), {"name": "Taken"}).status_code == 404
    assert manager_one.get(reverse(f"admin:{name}_history", args=[other.pk])).status_code == 404
    assert manager_one.get(delete_url).status_code == 404
    assert manager_one.post(delete_url, {"post": "yes"}).status_code == 404
    assert model.objects.filter(pk=other.pk).exists()
    assert getattr(model.objects.get(pk=other.pk), "name", None) != "Taken"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pick"), SCOPED, ids=IDS)
def test_an_administrator_sees_every_branch(branches, login, name, pick):
    """An Administrator (not a superuser) lists and opens both branches' objects."""
    client = login(roles.ADMINISTRATOR)
    response = client.get(reverse(f"admin:{name}_changelist"))
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert {pick(branches.one).pk, pick(branches.two).pk} <= shown
    assert client.get(change_url(name, pick(branches.two))).status_code == 200


@pytest.mark.django_db
def test_a_missing_object_is_a_404_not_a_redirect(branches, manager_one):
    """The admin's usual answer (a redirect saying it does not exist) is a plain 404 here."""
    assert (
        manager_one.get(reverse("admin:config_data_room_change", args=[999999])).status_code == 404
    )


@pytest.mark.django_db
def test_a_branch_manager_changes_their_room_but_not_another_branchs(branches, manager_one):
    """POST to their room saves; POST to branch two's room answers 404 and changes nothing."""
    one, two = branches.one.room, branches.two.room
    form = {
        "name_en": "Renamed",
        "location": str(one.location_id),
        "capacity": "6",
        "active": "on",
        "timezone": "",
    }
    response = manager_one.post(reverse("admin:config_data_room_change", args=[one.pk]), form)
    assert response.status_code == 302
    one.refresh_from_db()
    assert (one.name, one.capacity) == ("Renamed", 6)
    response = manager_one.post(
        reverse("admin:config_data_room_change", args=[two.pk]),
        {**form, "location": str(two.location_id)},
    )
    assert response.status_code == 404
    two.refresh_from_db()
    assert two.name == "Branch two room"


@pytest.mark.django_db
def test_a_branch_manager_adds_rooms_only_at_their_branch(branches, manager_one):
    """The location choices are their branch; naming branch two is refused, naming the field."""
    url = reverse("admin:config_data_room_add")
    page = manager_one.get(url)
    choices = {str(value) for value, _ in page.context["adminform"].form.fields["location"].choices}
    assert str(branches.one.location.pk) in choices
    assert str(branches.two.location.pk) not in choices
    form = {"name_en": "New", "capacity": "2", "active": "on", "timezone": ""}
    refused = manager_one.post(url, {**form, "location": str(branches.two.location.pk)})
    assert refused.status_code == 200
    assert "location" in refused.context["adminform"].form.errors
    assert not Room.objects.filter(name="New").exists()
    added = manager_one.post(url, {**form, "location": str(branches.one.location.pk)})
    assert added.status_code == 302
    assert Room.objects.get(name="New").location == branches.one.location


@pytest.mark.django_db
def test_a_branch_manager_cannot_delete_another_branchs_room(branches, manager_one):
    """A delete POST for branch two's room answers 404 and the room stays."""
    room = branches.two.room
    response = manager_one.post(
        reverse("admin:config_data_room_delete", args=[room.pk]), {"post": "yes"}
    )
    assert response.status_code == 404
    assert Room.objects.filter(pk=room.pk).exists()


@pytest.mark.django_db
def test_a_branch_manager_may_not_link_user_accounts(branches, manager_one, make_user):
    """Which user account an employee or a customer is stays an administrator's call:
    read-only on the change pages, ignored when posted, and no way round it by reverting
    an employee's history version."""
    intruder = make_user(None, name="intruder")
    employee = branches.one.employee
    page = manager_one.get(reverse("admin:config_data_employee_change", args=[employee.pk]))
    assert "user" not in page.context["adminform"].form.fields

    customer = branches.one.meeting.customer
    url = reverse("admin:booking_customer_change", args=[customer.pk])
    form = manager_one.get(url).context["adminform"].form
    assert not {"user", "external_id", "email"} & set(form.fields)
    posted = {
        "name": "Renamed",
        "phone": "+49 30 1234",
        "email": "intruder@example.com",
        "external_id": "theirs",
        "user": str(intruder.pk),
    }
    assert manager_one.post(url, posted).status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Renamed"  # what a manager may change, saves
    assert (customer.user_id, customer.email, customer.external_id) == (
        None,
        "customer.one@example.com",
        "",
    )

    version = employee.history.first()
    revert = reverse(
        "admin:config_data_employee_simple_history", args=[employee.pk, version.history_id]
    )
    response = manager_one.post(
        revert, {"name": employee.name, "location": str(employee.location_id), "user": intruder.pk}
    )
    assert response.status_code == 403
    employee.refresh_from_db()
    assert employee.user_id != intruder.pk


@pytest.mark.django_db
def test_an_administrator_links_a_customer_to_a_user_account(branches, login, make_user):
    """The customer's login, reference and address stay editable for an administrator."""
    user = make_user(None, name="carla")
    customer = branches.two.meeting.customer
    url = reverse("admin:booking_customer_change", args=[customer.pk])
    client = login(roles.ADMINISTRATOR)
    assert {"user", "external_id", "email"} <= set(client.get(url).context["adminform"].form.fields)
    posted = {"name": customer.name, "phone": "", "email": "carla@example.com", "user": user.pk}
    assert client.post(url, {**posted, "external_id": "C-7"}).status_code == 302
    customer.refresh_from_db()
    assert (customer.user_id, customer.external_id) == (user.pk, "C-7")


@pytest.mark.django_db
def test_administrator_fields_are_kept_from_the_stored_row_on_a_managers_save(
    branches, make_user, rf
):
    """Whatever reaches save_model (a form, a posted version), a branch manager's save
    keeps the employee's user account as stored; an administrator's changes it."""
    from django.contrib import admin

    from config_data.models import Employee

    employee_admin = admin.site.get_model_admin(Employee)
    manager = make_user(roles.BRANCH_MANAGER, branches.one.location)
    administrator = make_user(roles.ADMINISTRATOR, name="root")
    intruder = make_user(None, name="intruder")
    request = rf.post("/")
    request.user = manager
    employee = Employee.objects.get(pk=branches.one.employee.pk)
    employee.user = intruder
    employee.title = "Senior adviser"
    employee_admin.save_model(request, employee, None, True)
    employee.refresh_from_db()
    assert (employee.user_id, employee.title) == (None, "Senior adviser")
    request.user = administrator
    employee.user = intruder
    employee_admin.save_model(request, employee, None, True)
    employee.refresh_from_db()
    assert employee.user_id == intruder.pk


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["config_data_meetingtopic", "config_data_customercategory"])
def test_a_branch_manager_only_views_topics_and_categories(branches, manager_one, name):
    """Topics and categories are the organisation's: view-only for a branch manager."""
    assert manager_one.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert manager_one.get(reverse(f"admin:{name}_add")).status_code == 403
    obj = branches.topic if name.endswith("topic") else None
    if obj is not None:
        response = manager_one.post(change_url(name, obj), {"name": "Hacked"})
        assert response.status_code == 403
        obj.refresh_from_db()
        assert obj.name == "Advice"


@pytest.mark.django_db
def test_a_branch_manager_cannot_change_a_topic_by_reverting_its_history(branches, manager_one):
    """The history version page is view-only for them: no Revert button, and a posted
    version (a complete, valid topic form) answers 403 and changes nothing."""
    from django.contrib import admin

    topic = branches.topic
    version = topic.history.first()
    # history_id, the version's own key: `id` on a version is the topic's, and equals it
    # only while both sequences happen to agree (SQLite, or a lone PostgreSQL run).
    url = reverse(
        "admin:config_data_meetingtopic_simple_history", args=[topic.pk, version.history_id]
    )
    page = manager_one.get(url)
    assert page.status_code == 200
    assert page.context["revert_disabled"] is True
    form_class = admin.site.get_model_admin(type(topic)).get_form(page.wsgi_request, topic)
    data = {
        key: value for key, value in form_class(instance=topic).initial.items() if value is not None
    }
    data.update(
        name="Hacked",
        customer_bookable="on",
        employees=[str(e.pk) for e in topic.employees.all()],
        customer_categories=[],
        reminder_offsets=json.dumps(topic.reminder_offsets),
    )
    response = manager_one.post(url, data)
    assert response.status_code == 403
    topic.refresh_from_db()
    assert topic.name == "Advice"


@pytest.mark.django_db
def test_a_branch_manager_cannot_revert_their_own_room_but_an_administrator_can(
    branches, manager_one, login
):
    """Reverting is an administrator's: a manager's POST answers 403 even for their own
    room (another branch's answers 404); an administrator's restores the old name."""
    room = branches.one.room
    old = room.history.first()
    room.name = "Changed"
    room.save()
    form = {
        "name_en": old.name,
        "location": str(room.location_id),
        "capacity": str(old.capacity),
        "active": "on",
        "timezone": "",
    }
    url = reverse("admin:config_data_room_simple_history", args=[room.pk, old.history_id])
    assert manager_one.post(url, form).status_code == 403
    other = branches.two.room
    other_url = reverse(
        "admin:config_data_room_simple_history", args=[other.pk, other.history.first().history_id]
    )
    assert manager_one.post(other_url, form).status_code == 404
    room.refresh_from_db()
    assert room.name == "Changed"
    assert login(roles.ADMINISTRATOR).post(url, form).status_code == 302
    room.refresh_from_db()
    assert room.name == old.name


OAUTH_PAGES = [
    "oauth2_provider_application",
    "oauth2_provider_accesstoken",
    "oauth2_provider_refreshtoken",
    "oauth2_provider_grant",
    "oauth2_provider_idtoken",
    "bookme_api_webhookdelivery",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", OAUTH_PAGES)
def test_oauth_pages_are_for_administrators_only(branches, manager_one, login, name):
    """A branch manager gets 403 and no index entry; an administrator opens the list."""
    assert manager_one.get(reverse(f"admin:{name}_changelist")).status_code == 403
    index = manager_one.get(reverse("admin:index"))
    apps = {app["app_label"] for app in index.context["app_list"]}
    assert not apps & {"oauth2_provider", "bookme_api"}
    assert login(roles.ADMINISTRATOR).get(reverse(f"admin:{name}_changelist")).status_code == 200


@pytest.mark.django_db
def test_oauth_pages_stay_hidden_even_with_a_permission_granted_by_hand(branches, make_user):
    """The pages check the role, not only the permission: a granted perm is not enough."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    user = make_user(roles.BRANCH_MANAGER, branches.one.location)
    user.user_permissions.add(Permission.objects.get(codename="view_application"))
    client = Client()
    client.force_login(user)
    url = reverse("admin:oauth2_provider_application_changelist")
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_an_adviser_and_an_anonymous_visitor_do_not_get_into_the_admin(branches, login):
    """Advisers work in the staff pages: the admin sends them (and strangers) to its login."""
    login_url = reverse("admin:login")
    for client in (login(roles.ADVISER, branches.one.location), login(None)):
        for url in (reverse("admin:index"), change_url("config_data_room", branches.one.room)):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(login_url)
    from django.test import Client

    anonymous = Client().get(reverse("admin:config_data_room_changelist"))
    assert anonymous.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["booking_meeting", "booking_timeslot", "config_data_workinghours", "config_data_absence"],
)
def test_list_filters_name_only_the_branchs_employees(branches, manager_one, name):
    """The employee filter lists branch one's adviser, not branch two's."""
    html = manager_one.get(reverse(f"admin:{name}_changelist")).content.decode()
    assert "Branch one adviser" in html
    assert "Branch two adviser" not in html
