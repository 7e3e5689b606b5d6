"""Step 1 of the seed: meeting topics, customer types, employees and rooms."""

from __future__ import annotations

import pytest

from tests import factories


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()]


@pytest.fixture
def catalogue(world):
    """Besides the world's Mortgage (open to all): a Business-only topic, an internal one."""
    private, business = factories.category("Private"), factories.category("Business")
    business_only = factories.topic(
        name="Business loan", employees=[world.alice], categories=[business]
    )
    internal = factories.topic(name="Internal review", customer_bookable=False)
    factories.topic(name="Retired", active=False)
    return private, business, business_only, internal


def test_meeting_topics_for_customers(world, caller, catalogue):
    """isCustomer=true: active topics customers may book themselves, with their rules."""
    _, business, business_only, _ = catalogue
    response = caller.get("/api/bookme/meeting-topics", {"isCustomer": "true"})
    assert response.status_code == 200
    assert ids(response) == [str(business_only.pk), str(world.topic.pk)]
    mortgage = response.json()[1]
    assert mortgage == {
        "id": str(world.topic.pk),
        "name": "Mortgage",
        "description": "",
        "duration": 60,
        "meetingTypes": ["online", "physical"],
        "customerCategoryIds": [],
        "employeeIds": sorted([str(world.alice.pk), str(world.bob.pk)]),
        "isCustomerBookable": True,
        "requiresRoom": True,
        "capacity": 1,
        "informationQuestions": [],
        "nameI18nList": [{"language": "en", "value": "Mortgage"}],
        "descriptionI18nList": [],
    }
    assert response.json()[0]["customerCategoryIds"] == [str(business.pk)]


def test_meeting_topics_for_staff_include_internal_ones(world, caller, catalogue):
    """isCustomer=false: every active topic, the internal one too; never an inactive one."""
    _, _, business_only, internal = catalogue
    response = caller.get("/api/bookme/meeting-topics", {"isCustomer": "false"})
    assert ids(response) == [str(business_only.pk), str(internal.pk), str(world.topic.pk)]


def test_meeting_topics_by_customer_category(world, caller, catalogue):
    """customerCategoryId keeps topics open to that category (unrestricted ones included)."""
    private, business, business_only, _ = catalogue
    for_private = caller.get(
        "/api/bookme/meeting-topics", {"isCustomer": "true", "customerCategoryId": private.pk}
    )
    assert ids(for_private) == [str(world.topic.pk)]
    for_business = caller.get(
        "/api/bookme/meeting-topics", {"isCustomer": "true", "customerCategoryId": business.pk}
    )
    assert ids(for_business) == [str(business_only.pk), str(world.topic.pk)]


def test_meeting_topics_list_information_questions(world, caller):
    """The questions a customer must answer come with the topic, with their ids."""
    topic = factories.topic(name="Pension", questions=["Your age?"])
    response = caller.get("/api/bookme/meeting-topics", {"isCustomer": "true"})
    pension = next(t for t in response.json() if t["id"] == str(topic.pk))
    question = topic.information_questions.get()
    assert pension["informationQuestions"] == [
        {
            "id": str(question.pk),
            "text": "Your age?",
            "helpText": "",
            "required": True,
            "textI18nList": [{"language": "en", "value": "Your age?"}],
        }
    ]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({}, "isCustomer"),
        ({"isCustomer": "maybe"}, "isCustomer"),
    ],
)
def test_meeting_topics_need_a_valid_is_customer(world, caller, query, parameter):
    """isCustomer is required and boolean: 400 naming it."""
    response = caller.get("/api/bookme/meeting-topics", query)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


@pytest.mark.parametrize("category_id", ["999999", "abc", "0"])
def test_an_unknown_customer_category_is_404(world, caller, category_id):
    """An id that names no customer category: 404 naming customerCategoryId."""
    response = caller.get(
        "/api/bookme/meeting-topics", {"isCustomer": "true", "customerCategoryId": category_id}
    )
    assert response.status_code == 404
    assert response.json()["parameter"] == "customerCategoryId"


def test_customer_types(caller):
    """The customer categories, by name."""
    business = factories.category("Business")
    private = factories.category("Private")
    response = caller.get("/api/config/customer-types")
    assert response.json() == [
        {
            "id": str(business.pk),
            "name": "Business",
            "description": "",
            "nameI18nList": [{"language": "en", "value": "Business"}],
            "descriptionI18nList": [],
        },
        {
            "id": str(private.pk),
            "name": "Private",
            "description": "",
            "nameI18nList": [{"language": "en", "value": "Private"}],
            "descriptionI18nList": [],
        },
    ]


def test_employees_are_the_bookable_ones_with_their_location(world, caller):
    """Inactive employees are left out; each comes with location, zone, types and themes."""
    factories.employee(location=world.location, name="Gone", active=False)
    response = caller.get("/api/config/employees")
    assert ids(response) == [str(world.alice.pk), str(world.bob.pk)]
    alice = response.json()[0]
    assert alice["name"] == "Alice"
    assert alice["timeZone"] == "Europe/Copenhagen"
    assert alice["meetingTypes"] == ["online", "phone", "physical"]
    assert alice["themeIds"] == [str(world.topic.pk)]
    assert alice["location"] == {
        "id": str(world.location.pk),
        "name": "Copenhagen",
        "timeZone": "Europe/Copenhagen",
        "address": ["Main Street 1", "1000 Copenhagen", "Denmark"],
        "nameI18nList": [{"language": "en", "value": "Copenhagen"}],
    }


def test_rooms_are_the_active_ones(world, caller):
    """Inactive rooms are left out; an active room carries capacity and address."""
    factories.room(location=world.location, name="Closed", active=False)
    response = caller.get("/api/config/rooms")
    assert ids(response) == [str(world.big_room.pk), str(world.small_room.pk)]
    big = response.json()[0]
    assert big["capacity"] == 8
    assert big["address"] == ["Main Street 1", "1000 Copenhagen", "Denmark"]
    assert big["features"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/bookme/meeting-topics?isCustomer=false",
        "/api/config/customer-types",
        "/api/config/employees",
        "/api/config/rooms",
    ],
)
def test_configuration_lists_take_a_constant_number_of_queries(
    world, caller, path, django_assert_max_num_queries
):
    """Ten more topics, employees and rooms cost no extra query (prefetching, no N+1)."""
    for n in range(10):
        employee = factories.employee(location=world.location, name=f"Extra {n}")
        factories.room(location=world.location, name=f"Extra room {n}")
        factories.category(f"Extra category {n}")
        factories.topic(name=f"Extra topic {n}", employees=[employee], questions=["Why?"])
    # 1 token lookup + the list + at most 3 prefetches.
    with django_assert_max_num_queries(5):
        assert caller.get(path).status_code == 200
