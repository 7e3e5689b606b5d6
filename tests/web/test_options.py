"""Options page: meeting type, branch and employee, validated against what is offered."""

from __future__ import annotations

from django.urls import reverse

from tests import factories


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
