"""Landing page: the topics at once, for the customer category a switch above them shows
(remembered), each with its duration, meeting types and a one-line description."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.views.flow import SUMMARY_MAX_LENGTH, one_line
from booking.views.remembered import CATEGORY_KEY
from tests import factories
from tests.web.conftest import book

LANDING = reverse("booking:landing")
NUL = "\x00"


def switch_link(category) -> str:
    """The switch's plain link for a category (the href beside its hx-get)."""
    return f'href="{LANDING}?category={category.pk}"'


def current_category(html: str) -> str:
    """The name of the category the switch marks as the one shown."""
    tail = html.split('aria-current="true">', 1)[1]
    return tail.split("</a>", 1)[0]


def test_topics_show_at_once_for_the_first_category(client, bank):
    """Without a choice the topics of the first category (admin order: by name) show, with
    every category as a plain link in the switch above them."""
    private_only = factories.topic(name="Private pension", categories=[bank.private])
    business_only = factories.topic(name="Company loans", categories=[bank.business])
    response = client.get(LANDING)
    assert response.status_code == 200
    html = response.content.decode()
    assert current_category(html) == "Business"
    assert html.count('aria-current="true"') == 1
    assert switch_link(bank.private) in html
    assert switch_link(bank.business) in html
    assert "Topics for Business" in html
    assert bank.topic.name in html
    assert business_only.name in html
    assert private_only.name not in html
    assert "Show topics" not in html  # no select and button before the topics any more


def test_landing_lists_the_topics_open_to_the_chosen_category(client, bank):
    """Restricted topics show only for their categories; staff-only topics never."""
    business_only = factories.topic(name="Company loans", categories=[bank.business])
    factories.topic(name="Internal review", customer_bookable=False)
    factories.topic(name="Retired topic", active=False)

    html = client.get(LANDING, {"category": bank.private.pk}).content.decode()
    assert current_category(html) == "Private"
    assert bank.topic.name in html
    assert "Company loans" not in html
    assert "Internal review" not in html
    assert "Retired topic" not in html

    html = client.get(LANDING, {"category": bank.business.pk}).content.decode()
    assert "Company loans" in html
    options = reverse("booking:options", args=[business_only.pk])
    assert f"{options}?category={bank.business.pk}" in html


def test_topics_show_description_duration_and_meeting_types(client, bank):
    """Each topic card tells what it is, how long it takes and how it can be held."""
    factories.topic(name="Pension check", description="A quick look at your pension.", duration=30)
    html = client.get(LANDING, {"category": bank.private.pk}).content.decode()
    assert "A quick look at your pension." in html
    assert "30 minutes" in html
    assert "In person, Online" in html
    assert "Read more" not in html  # nothing left out


def test_a_long_description_shows_one_sentence_and_links_to_the_whole(client, bank):
    """Only the first sentence is on the card, with "Read more" leading to the options
    page, which shows the whole description."""
    rest = "The second sentence explains the fees in much more detail than a card can hold."
    topic = factories.topic(
        name="Pension check", description=f"A quick look at your pension. {rest}", employees=[]
    )
    html = client.get(LANDING, {"category": bank.private.pk}).content.decode()
    assert "A quick look at your pension." in html
    assert rest not in html
    options = reverse("booking:options", args=[topic.pk]) + f"?category={bank.private.pk}"
    assert f'<a href="{options}">Read more' in html
    assert rest in client.get(options).content.decode()


@pytest.mark.parametrize(
    ("text", "summary", "shortened"),
    [
        ("", "", False),
        ("  One sentence.  ", "One sentence.", False),
        ("First. Second.", "First.", True),
        ("Is it? Yes.", "Is it?", True),
        ("First line\nSecond line", "First line", True),
        ("Version 2.5 costs less.", "Version 2.5 costs less.", False),  # no space: not an end
        ("word " * 40, ("word " * 27).strip() + "…", True),
        ("x" * 200, "x" * (SUMMARY_MAX_LENGTH - 1) + "…", True),
    ],
)
def test_one_line_keeps_the_first_line_or_sentence_within_bounds(text, summary, shortened):
    """The card's summary: first line, then first sentence, then cut at a word."""
    assert one_line(text) == (summary, shortened)
    assert len(one_line(text)[0]) <= SUMMARY_MAX_LENGTH


def test_htmx_request_gets_only_the_topics_partial(client, bank):
    """Switching the category through HTMX swaps the topics (switch included), not the page."""
    response = client.get(LANDING, {"category": bank.private.pk}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="topics"')
    assert "<html" not in html
    assert bank.topic.name in html
    assert current_category(html) == "Private"
    assert 'hx-target="#topics"' in html
    assert 'hx-push-url="true"' in html
    assert f'hx-get="{LANDING}?category={bank.private.pk}"' in html
    assert response["Vary"].count("HX-Request") == 1


def test_the_choice_is_remembered_on_return(client, bank):
    """Back at / without a query, the category chosen last (also through HTMX) shows."""
    business_only = factories.topic(name="Company loans", categories=[bank.business])
    client.get(LANDING, {"category": bank.private.pk})
    html = client.get(LANDING).content.decode()
    assert current_category(html) == "Private"
    assert business_only.name not in html

    client.get(LANDING, {"category": bank.business.pk}, headers={"HX-Request": "true"})
    html = client.get(LANDING).content.decode()
    assert current_category(html) == "Business"
    assert business_only.name in html


def test_a_signed_in_customer_sees_the_category_they_booked_with(client, bank):
    """In a new session, a signed-in customer's last meeting says the category; a choice
    made in the session wins over it."""
    carla = get_user_model().objects.create_user("carla", "carla@example.com", "pw")
    client.force_login(carla)
    book(client, bank, category=bank.private.pk)
    client.logout()
    client.force_login(carla)  # a fresh session: nothing chosen in it yet
    assert CATEGORY_KEY not in client.session
    assert current_category(client.get(LANDING).content.decode()) == "Private"
    client.get(LANDING, {"category": bank.business.pk})
    assert current_category(client.get(LANDING).content.decode()) == "Business"
    client.logout()  # signed out: the session is gone, the default shows again
    assert current_category(client.get(LANDING).content.decode()) == "Business"


def test_a_remembered_category_that_is_gone_falls_back_to_the_first(client, bank):
    """A remembered category deleted since (or any stale value) is not a crash."""
    extra = factories.category("Student")
    client.get(LANDING, {"category": extra.pk})
    extra.delete()
    assert current_category(client.get(LANDING).content.decode()) == "Business"
    session = client.session
    session[CATEGORY_KEY] = "not a number"
    session.save()
    assert current_category(client.get(LANDING).content.decode()) == "Business"


CHOOSE = "Please choose one of the listed options."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9999", CHOOSE),
        ("abc", CHOOSE),
        ("", CHOOSE),
        ("1.5", CHOOSE),
        (NUL, "Null characters are not allowed."),
    ],
)
def test_a_bad_category_is_a_field_error_not_a_crash(client, bank, value, message):
    """A tampered category names the field and says what is wrong; the switch and the
    first category's topics still show, and nothing is remembered."""
    client.get(LANDING, {"category": bank.private.pk})
    response = client.get(LANDING, {"category": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="category-error" role="alert"' in html
    assert f"I am a: {message}</p>" in html
    assert current_category(html) == "Private"  # the remembered one, unchanged
    assert bank.topic.name in html
    assert client.session[CATEGORY_KEY] == bank.private.pk


def test_single_category_needs_no_switch(client, world):
    """With one category (or none) the topics are shown straight away, with no switch."""
    html = client.get(LANDING).content.decode()
    assert world.topic.name in html
    assert "category-switch" not in html
    only = factories.category("Everyone")
    html = client.get(LANDING).content.decode()
    assert world.topic.name in html
    assert "Topics for Everyone" in html
    assert "category-switch" not in html
    assert f"?category={only.pk}" in html  # the topic links carry it all the same


def test_a_topic_with_one_choice_goes_straight_to_the_times(client, bank):
    """One meeting type and one employee: "Choose" opens the picker with what the options
    form would have sent, and the picker's "Change options" opens the options page."""
    online = factories.topic(name="Online check", physical=False, employees=[bank.alice])
    html = client.get(LANDING, {"category": bank.private.pk}).content.decode()
    times = reverse("booking:times", args=[online.pk])
    query = f"?category={bank.private.pk}&amp;type=online&amp;employee=any"
    assert f'href="{times}{query}"' in html
    picker = client.get(times + query.replace("&amp;", "&"))
    assert picker.status_code == 200
    change = reverse("booking:options", args=[online.pk]) + query
    assert f'href="{change}"' in picker.content.decode()
    options = client.get(change.replace("&amp;", "&"))
    assert options.status_code == 200
    assert re.search(r'<input type="radio" name="type" value="online"[^>]* checked', options.text)


def test_a_one_choice_in_person_topic_carries_its_branch(client, bank):
    """In person with one employee: the link names the employee's branch, as the form would."""
    branch_only = factories.topic(name="Safe deposit", online=False, employees=[bank.bob])
    html = client.get(LANDING, {"category": bank.private.pk}).content.decode()
    times = reverse("booking:times", args=[branch_only.pk])
    location = bank.world.location.pk
    query = (
        f"?category={bank.private.pk}&amp;type=physical&amp;location={location}&amp;employee=any"
    )
    assert f'href="{times}{query}"' in html
    assert client.get(times + query.replace("&amp;", "&")).status_code == 200


@pytest.mark.parametrize(
    ("topic_kwargs", "who"),
    [
        pytest.param({"physical": False}, "both", id="one-type-two-employees"),
        pytest.param({}, "alice", id="two-types-one-employee"),
        pytest.param({"physical": False}, "nobody", id="nobody-to-book"),
    ],
)
def test_a_topic_with_a_choice_opens_the_options(client, bank, topic_kwargs, who):
    """A second employee or a second meeting type is a choice to make (and with nobody to
    book the options page says so): "Choose" opens the options step."""
    employees = {"both": [bank.alice, bank.bob], "alice": [bank.alice], "nobody": []}[who]
    topic = factories.topic(name="Choice", employees=employees, **topic_kwargs)
    html = client.get(LANDING, {"category": bank.private.pk}).content.decode()
    options = reverse("booking:options", args=[topic.pk]) + f"?category={bank.private.pk}"
    assert f'<a class="button" href="{options}">' in html
    assert reverse("booking:times", args=[topic.pk]) not in html


def test_types_nobody_offers_do_not_count_as_a_choice(client, bank):
    """The topic allows in person and online, but its one employee meets only online:
    nothing to choose, so "Choose" opens the picker."""
    dora = factories.employee(location=bank.world.location, name="Dora", physical=False)
    topic = factories.topic(name="Remote", employees=[dora])
    html = client.get(LANDING, {"category": bank.private.pk}).content.decode()
    assert reverse("booking:times", args=[topic.pk]) + f"?category={bank.private.pk}" in html


def test_the_landing_makes_the_same_queries_for_many_topics(client, bank):
    """Employees are prefetched for all topics: more topics cost no more queries."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LANDING, {"category": bank.private.pk}).status_code == 200
        return len(captured)

    client.get(LANDING, {"category": bank.private.pk})  # the session exists from here on
    few = queries()
    names = [f"Topic {n}" for n in range(5)]
    for name in names:
        factories.topic(name=name, employees=[bank.alice, bank.bob])
    assert queries() == few
    html = client.get(LANDING, {"category": bank.private.pk}).content.decode()
    for name in [bank.topic.name, *names]:
        assert f">{name}<" in html, name


def test_base_layout_has_language_switcher_and_csrf_header(client, bank):
    """The layout offers the three languages and gives HTMX the CSRF token on <body>."""
    html = client.get(LANDING).content.decode()
    assert 'action="/i18n/setlang/"' in html
    for code in ("en", "de", "da"):
        assert f'value="{code}"' in html
    assert 'hx-headers=\'{"x-csrftoken": "' in html
    assert 'src="/static/django_htmx/htmx-2.min.js"' in html  # served locally, no CDN


def test_language_switch_renders_the_page_in_german(client, bank):
    """Choosing Deutsch sets the language for the next pages (lang attribute)."""
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert response.status_code == 302
    html = client.get(LANDING).content.decode()
    assert '<html lang="de">' in html
    assert f"Themen für {current_category(html)}</h2>" in html
    assert "Ich bin" in html
