"""Options page: meeting type, branch and employee, validated against what is offered."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from booking import services
from booking.actors import Actor
from booking.views.remembered import BRANCH_KEY
from tests import factories
from tests.web.conftest import TUESDAY_TEN, book


def options_url(topic, **params):
    return reverse("booking:options", args=[topic.pk]), params


def test_options_offer_only_types_the_topic_allows_and_someone_offers(client, bank):
    """Phone is offered by the employees but not allowed by the topic: not shown."""
    url, _ = options_url(bank.topic)
    html = client.get(url, {"category": bank.private.pk}).content.decode()
    assert 'value="physical"' in html
    assert 'value="online"' in html
    assert 'value="phone"' not in html


def test_a_type_no_employee_offers_is_not_shown(client, world):
    """The topic allows online, but nobody holding it meets online."""
    loc = world.location
    only_physical = factories.employee(location=loc, name="Dora", online=False, phone=False)
    topic = factories.topic(name="Branch only", employees=[only_physical], online=True)
    html = client.get(reverse("booking:options", args=[topic.pk])).content.decode()
    assert 'value="physical"' in html
    assert 'value="online"' not in html


def test_options_list_any_available_and_the_employees(client, bank):
    """ "Any available employee" is the default choice, then each employee by name."""
    html = client.get(reverse("booking:options", args=[bank.topic.pk])).content.decode()
    assert '<option value="any" selected>Any available employee</option>' in html
    assert f'<option value="{bank.alice.pk}">Alice</option>' in html
    assert f'<option value="{bank.bob.pk}">Bob</option>' in html


def test_options_form_submits_to_the_slot_picker_with_get(client, bank):
    """No JavaScript needed: the form is a plain GET to the picker, carrying the category."""
    html = client.get(
        reverse("booking:options", args=[bank.topic.pk]), {"category": bank.private.pk}
    ).content.decode()
    assert f'method="get" action="{reverse("booking:times", args=[bank.topic.pk])}"' in html
    assert f'name="category" value="{bank.private.pk}"' in html


def test_topic_not_open_to_the_category_is_404(client, bank):
    """A business-only topic cannot be opened as a private customer, nor without a category."""
    business_only = factories.topic(
        name="Company loans", categories=[bank.business], employees=[bank.alice]
    )
    url = reverse("booking:options", args=[business_only.pk])
    assert client.get(url, {"category": bank.private.pk}).status_code == 404
    assert client.get(url).status_code == 404
    assert client.get(url, {"category": bank.business.pk}).status_code == 200
    assert client.get(url, {"category": "abc"}).status_code == 404


def test_staff_only_topic_is_404(client, bank):
    """A topic customers may not book themselves has no customer pages."""
    internal = factories.topic(name="Internal", customer_bookable=False, employees=[bank.alice])
    assert client.get(reverse("booking:options", args=[internal.pk])).status_code == 404


def test_employee_who_does_not_offer_the_type_is_an_error(client, world):
    """Choosing someone who only meets in person for an online meeting explains why."""
    dora = factories.employee(location=world.location, name="Dora", online=False)
    world.topic.employees.add(dora)
    response = client.get(
        reverse("booking:options", args=[world.topic.pk]),
        {"type": "online", "employee": dora.pk},
    )
    assert response.status_code == 200
    assert "Dora does not offer this kind of meeting." in response.content.decode()


def test_employee_at_another_branch_is_an_error(client, world):
    """For an in-person meeting the employee must work at the chosen branch."""
    aarhus = factories.location(name="Aarhus")
    factories.room(location=aarhus, name="Harbour")
    erik = factories.employee(location=aarhus, name="Erik")
    world.topic.employees.add(erik)
    response = client.get(
        reverse("booking:options", args=[world.topic.pk]),
        {"type": "physical", "location": world.location.pk, "employee": erik.pk},
    )
    assert "Erik works at the Aarhus branch." in response.content.decode()


def test_in_person_needs_a_branch_when_there_are_several(client, world):
    """With two branches the customer must say which one."""
    aarhus = factories.location(name="Aarhus")
    world.topic.employees.add(factories.employee(location=aarhus, name="Erik"))
    response = client.get(
        reverse("booking:options", args=[world.topic.pk]),
        {"type": "physical", "location": "", "employee": "any"},
    )
    assert "Please choose a branch." in response.content.decode()


def test_invalid_options_at_the_picker_go_back_to_the_options(client, world):
    """The picker refuses options that make no sense and sends the customer back."""
    dora = factories.employee(location=world.location, name="Dora", online=False)
    world.topic.employees.add(dora)
    response = client.get(
        reverse("booking:times", args=[world.topic.pk]), {"type": "online", "employee": dora.pk}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("booking:options", args=[world.topic.pk]))
    assert f"employee={dora.pk}" in response["Location"]


def test_htmx_refresh_narrows_employees_to_the_chosen_branch(client, world):
    """After choosing a branch, only that branch's employees are offered (HTMX partial)."""
    aarhus = factories.location(name="Aarhus")
    factories.room(location=aarhus, name="Harbour")
    erik = factories.employee(location=aarhus, name="Erik")
    world.topic.employees.add(erik)
    response = client.get(
        reverse("booking:options", args=[world.topic.pk]),
        {"type": "physical", "location": aarhus.pk, "employee": "any"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="options-form"')
    assert "Erik" in html
    assert "Alice" not in html
    assert "Bob" not in html
    assert "errorlist" not in html
    assert "field-error" not in html


def test_category_that_is_not_a_plain_number_is_404(client, bank):
    """A tampered category such as "²" (a digit to Python, not a number) is a 404, not a 500."""
    for name in ("booking:options", "booking:times"):
        url = reverse(name, args=[bank.topic.pk])
        for value in ("²", "1²", "-1", " 1"):
            response = client.get(url, {"category": value, "type": "online", "employee": "any"})
            assert response.status_code == 404, (name, value)


def test_back_button_restores_the_options_page_as_a_reload_would(client, world):
    """A history restore is HTMX asking for a whole page: the page that URL gives (errors
    included, employees not narrowed to an unchosen branch), not an HTMX refresh's."""
    aarhus = factories.location(name="Aarhus")
    factories.room(location=aarhus, name="Harbour")
    world.topic.employees.add(factories.employee(location=aarhus, name="Erik"))
    url = reverse("booking:options", args=[world.topic.pk])
    query = {"type": "physical", "location": "", "employee": "any"}
    reload = client.get(url, query).content.decode()
    restore = client.get(
        url, query, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    ).content.decode()
    for html in (reload, restore):
        assert "<html" in html
        assert "Please choose a branch." in html
        assert "Alice" in html
        assert "Erik" in html


# Defaults: the meeting type first in the usual order, the branch the customer used last.


def checked_type(html: str) -> str:
    match = re.search(r'<input type="radio" name="type" value="(\w+)"[^>]* checked', html)
    assert match, "no meeting type is preselected"
    return match.group(1)


def selected_location(html: str) -> str:
    """The branch the select shows (the first without a selected option, as browsers do)."""
    select = html.split('name="location"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="(\d+)"( selected)?>', select)
    return next((value for value, selected in options if selected), options[0][0])


def offered_employee_names(html: str) -> list[str]:
    select = html.split('name="employee"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="\d+"[^>]*>([^<,]+)', select)


@pytest.fixture
def branches(bank):
    """Aalborg (first by name) and Odense beside Copenhagen, each with one employee and a
    room; all three hold the bank's topic."""
    made = {}
    for name in ("Aalborg", "Odense"):
        location = factories.location(name=name)
        factories.room(location=location, name=f"{name} room")
        bank.topic.employees.add(factories.employee(location=location, name=f"{name} adviser"))
        made[name] = location
    made["Copenhagen"] = bank.world.location
    return made


def test_meeting_types_default_to_the_first_in_the_usual_order(client, world):
    """In person comes first when offered; without it, online before phone."""
    url = reverse("booking:options", args=[world.topic.pk])
    assert checked_type(client.get(url).text) == "physical"
    remote = factories.topic(name="Remote", physical=False, phone=True, employees=[world.alice])
    assert checked_type(client.get(reverse("booking:options", args=[remote.pk])).text) == "online"


def test_the_branch_chosen_last_in_the_session_is_preselected(client, bank, branches):
    """Without a signal the select shows the first branch; after the picker was opened for
    Odense, the options show Odense (a page without JavaScript still lists everyone)."""
    url = reverse("booking:options", args=[bank.topic.pk])
    assert selected_location(client.get(url).text) == str(branches["Aalborg"].pk)
    times = reverse("booking:times", args=[bank.topic.pk])
    query = {"type": "physical", "location": branches["Odense"].pk, "employee": "any"}
    assert client.get(times, query).status_code == 200
    html = client.get(url).text
    assert selected_location(html) == str(branches["Odense"].pk)
    assert offered_employee_names(html) == [
        "Aalborg adviser",
        "Alice",
        "Bob",
        "Odense adviser",
    ]


def test_htmx_refresh_narrows_employees_to_the_remembered_branch(client, bank, branches):
    """Choosing "in person" with JavaScript shows the remembered branch and its employees."""
    times = reverse("booking:times", args=[bank.topic.pk])
    client.get(
        times, {"type": "physical", "location": branches["Copenhagen"].pk, "employee": "any"}
    )
    response = client.get(
        reverse("booking:options", args=[bank.topic.pk]),
        {"type": "physical", "employee": "any"},
        headers={"HX-Request": "true"},
    )
    assert selected_location(response.text) == str(branches["Copenhagen"].pk)
    assert offered_employee_names(response.text) == ["Alice", "Bob"]


def test_this_sessions_branch_comes_before_the_last_meeting(client, bank, branches):
    """The branch chosen in this session wins, as the category does; without one, a
    signed-in customer's last in-person meeting says it; signed out, a new session has
    neither and shows the first branch."""
    carla = get_user_model().objects.create_user("carla", "carla@example.com", "pw")
    client.force_login(carla)
    odense = branches["Odense"]
    book(client, bank, meeting_type="physical", location=str(odense.pk))
    url = reverse("booking:options", args=[bank.topic.pk])
    session = client.session
    session.pop(BRANCH_KEY, None)  # booking chose Odense in this session: forget that
    session.save()
    assert selected_location(client.get(url).text) == str(odense.pk)
    times = reverse("booking:times", args=[bank.topic.pk])
    copenhagen = branches["Copenhagen"].pk
    client.get(times, {"type": "physical", "location": copenhagen, "employee": "any"})
    assert selected_location(client.get(url).text) == str(copenhagen)
    client.logout()
    assert selected_location(client.get(url).text) == str(branches["Aalborg"].pk)


def test_a_cancelled_or_online_meeting_says_no_branch(client, bank, branches):
    """Only confirmed in-person meetings count: the session's branch shows instead."""
    carla = get_user_model().objects.create_user("carla", "carla@example.com", "pw")
    client.force_login(carla)
    odense = branches["Odense"]
    met = book(client, bank, meeting_type="physical", location=str(odense.pk))
    services.meeting_cancel(actor=Actor.system(), meeting_id=met.pk)
    book(client, bank, TUESDAY_TEN + timedelta(hours=2), employee=str(bank.alice.pk))
    copenhagen = branches["Copenhagen"].pk
    client.get(
        reverse("booking:times", args=[bank.topic.pk]),
        {"type": "physical", "location": copenhagen, "employee": "any"},
    )
    url = reverse("booking:options", args=[bank.topic.pk])
    assert selected_location(client.get(url).text) == str(copenhagen)


def test_a_remembered_branch_not_offered_falls_back_to_the_first(client, bank, branches):
    """A branch this topic has nobody at, or a stale value, is not a crash: the first shows."""
    elsewhere = factories.location(name="Elsewhere")
    for stale in (elsewhere.pk, "not a number", 99999):
        session = client.session
        session[BRANCH_KEY] = stale
        session.save()
        response = client.get(reverse("booking:options", args=[bank.topic.pk]))
        assert response.status_code == 200
        assert selected_location(response.text) == str(branches["Aalborg"].pk)


def test_a_bad_branch_at_the_picker_is_not_remembered(client, bank, branches):
    """Invalid options send the customer back and leave the remembered branch alone."""
    times = reverse("booking:times", args=[bank.topic.pk])
    odense = branches["Odense"].pk
    client.get(times, {"type": "physical", "location": odense, "employee": "any"})
    response = client.get(times, {"type": "physical", "location": "x", "employee": "any"})
    assert response.status_code == 302
    assert client.session[BRANCH_KEY] == odense
    client.get(times, {"type": "online", "employee": "any"})  # online: no branch chosen
    assert client.session[BRANCH_KEY] == odense


def test_the_adviser_met_last_decides_the_branch_shown(client, bank, branches, frozen_clock):
    """A signed-in customer who met Alice (Copenhagen) gets Alice and Copenhagen, not the
    session's Odense: the defaults submitted as they are give the picker, not an error."""
    carla = get_user_model().objects.create_user("carla", "carla@example.com", "pw")
    client.force_login(carla)
    book(client, bank, employee=str(bank.alice.pk))
    frozen_clock.shift(timedelta(days=2))  # met now
    times = reverse("booking:times", args=[bank.topic.pk])
    odense = branches["Odense"].pk
    client.get(times, {"type": "physical", "location": odense, "employee": "any"})
    html = client.get(reverse("booking:options", args=[bank.topic.pk])).text
    copenhagen = str(branches["Copenhagen"].pk)
    assert selected_location(html) == copenhagen
    assert f'<option value="{bank.alice.pk}" selected>' in html
    query = {"type": "physical", "location": copenhagen, "employee": bank.alice.pk}
    assert client.get(times, query).status_code == 200
