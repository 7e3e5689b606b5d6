"""Landing page: the customer says who they are and sees the topics they may book."""

from __future__ import annotations

from django.urls import reverse

from tests import factories


def test_landing_asks_for_the_customer_category_first(client, bank):
    """With several categories, no topic is listed until the customer chooses one."""
    response = client.get(reverse("booking:landing"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_category">' in html
    assert "Private" in html
    assert "Business" in html
    assert bank.topic.name not in html


def test_landing_lists_the_topics_open_to_the_chosen_category(client, bank):
    """Restricted topics show only for their categories; staff-only topics never."""
    business_only = factories.topic(name="Company loans", categories=[bank.business])
    factories.topic(name="Internal review", customer_bookable=False)
    factories.topic(name="Retired topic", active=False)

    html = client.get(reverse("booking:landing"), {"category": bank.private.pk}).content.decode()
    assert bank.topic.name in html
    assert "Company loans" not in html
    assert "Internal review" not in html
    assert "Retired topic" not in html

    html = client.get(reverse("booking:landing"), {"category": bank.business.pk}).content.decode()
    assert "Company loans" in html
    options = reverse("booking:options", args=[business_only.pk])
    assert f"{options}?category={bank.business.pk}" in html


def test_topics_show_description_duration_and_meeting_types(client, bank):
    """Each topic card tells what it is, how long it takes and how it can be held."""
    factories.topic(name="Pension check", description="A quick look at your pension.", duration=30)
    html = client.get(reverse("booking:landing"), {"category": bank.private.pk}).content.decode()
    assert "A quick look at your pension." in html
    assert "30 minutes" in html
    assert "In person, Online" in html


def test_htmx_request_gets_only_the_topics_partial(client, bank):
    """Changing the category through HTMX swaps the topic list, not the whole page."""
    response = client.get(
        reverse("booking:landing"), {"category": bank.private.pk}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="topics"')
    assert "<html" not in html
    assert bank.topic.name in html


def test_unknown_category_is_a_form_error_not_a_crash(client, bank):
    """A tampered category value re-renders the chooser with a message."""
    response = client.get(reverse("booking:landing"), {"category": "9999"})
    assert response.status_code == 200
    assert "Please choose one of the listed options." in response.content.decode()


def test_single_category_needs_no_choice(client, world):
    """With one category (or none) the topics are shown straight away."""
    factories.category("Everyone")
    html = client.get(reverse("booking:landing")).content.decode()
    assert world.topic.name in html
    assert 'id="id_category"' not in html


def test_base_layout_has_language_switcher_and_csrf_header(client, bank):
    """The layout offers the three languages and gives HTMX the CSRF token on <body>."""
    html = client.get(reverse("booking:landing")).content.decode()
    assert 'action="/i18n/setlang/"' in html
    for code in ("en", "de", "da"):
        assert f'value="{code}"' in html
    assert 'hx-headers=\'{"x-csrftoken": "' in html
    assert 'src="/static/django_htmx/htmx-2.min.js"' in html  # served locally, no CDN


def test_language_switch_renders_the_page_in_german(client, bank):
    """Choosing Deutsch sets the language for the next pages (lang attribute)."""
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("booking:landing")).content.decode()
    assert '<html lang="de">' in html
