"""Accounts through allauth: email sign-up, verification, sign-in, reset, in the site's layout."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

PASSWORD = "a-long-Passphrase-42"
EMAIL = "nora@example.com"


class FormAudit(HTMLParser):
    """Collects what an accessibility check needs: inputs, their labels, the page's landmarks."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.wrapped: set[str] = set()
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if element_id := values.get("id"):
            self.ids.add(element_id)
        if tag == "html":
            self.html_lang = values.get("lang")
        if tag == "label":
            self.label_depth += 1
            if label_for := values.get("for"):
                self.label_for.add(label_for)
        if tag in ("input", "select", "textarea") and values.get("type") != "hidden":
            self.inputs.append(values)
            if self.label_depth and (element_id := values.get("id")):
                self.wrapped.add(element_id)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1


def audit(html: str) -> FormAudit:
    parser = FormAudit()
    parser.feed(html)
    return parser


def assert_in_site_layout(html: str) -> FormAudit:
    """The page is base.html's: skip link, header, language switcher, one main, labelled fields."""
    page = audit(html)
    assert 'class="skip-link"' in html
    assert 'class="site-header"' in html
    assert page.tags.count("main") == 1
    assert "language-select" in page.ids
    assert page.html_lang in {"en", "de", "da"}
    assert page.tags.count("h1") == 1
    for field in page.inputs:
        assert field.get("id"), field
        assert field["id"] in page.label_for or field["id"] in page.wrapped, field
    return page


def link_in(body: str) -> str:
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0)


def sign_up(client, email: str = EMAIL):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth keeps rate limits and email cool-downs in the cache: no test inherits them."""
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_public_account_pages_use_the_site_layout(client, db, name):
    """Sign in, sign up and password reset look like the rest of the site."""
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_in_site_layout(response.content.decode())


def test_signup_verify_then_sign_in(client, db):
    """Sign up, follow the link in the email, confirm, then sign in with the password."""
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(email=EMAIL)
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    assert mail.outbox[0].subject.startswith("[BookMe] ")

    # Mandatory verification: signed out until the address is confirmed.
    assert "_auth_user_id" not in client.session
    confirm_url = link_in(mail.outbox[0].body)
    page = client.get(confirm_url)
    assert page.status_code == 200
    assert_in_site_layout(page.content.decode())
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_unverified_address_cannot_sign_in(client, db):
    """Before verification, the right password leads to 'verify your email', not a session."""
    sign_up(client)
    client.logout()
    mail.outbox.clear()
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_is_refused_on_the_same_page(client, db):
    """A failed sign-in re-renders the form, in the layout, with an error announced."""
    sign_up(client)
    client.logout()
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert_in_site_layout(html)
    assert 'class="notice notice-error" role="alert"' in html
    assert "not correct" in html
    assert "_auth_user_id" not in client.session


def test_signup_errors_are_shown_next_to_the_field(client, db):
    """An invalid address and mismatched passwords come back with messages, no account made."""
    response = client.post(
        reverse("account_signup"),
        {"email": "not-an-email", "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert_in_site_layout(html)
    assert 'class="field has-error"' in html
    assert 'aria-invalid="true"' in html
    assert not get_user_model().objects.exists()


def test_usernames_are_not_asked_for(client, db):
    """Email only: there is no username field anywhere in sign-up or sign-in."""
    for name in ("account_signup", "account_login"):
        html = client.get(reverse(name)).content.decode()
        assert 'name="username"' not in html


def test_password_reset_by_email(client, db):
    """Forgot the password: the emailed link sets a new one that then signs in."""
    sign_up(client)
    client.post(link_in(mail.outbox[0].body))  # verify the address
    client.logout()
    mail.outbox.clear()

    response = client.post(reverse("account_reset_password"), {"email": EMAIL})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    reset_link = link_in(mail.outbox[0].body)
    form_page = client.get(reset_link, follow=True)
    assert form_page.status_code == 200
    assert_in_site_layout(form_page.content.decode())
    new_password = "another-Long-passphrase-7"
    response = client.post(
        form_page.request["PATH_INFO"], {"password1": new_password, "password2": new_password}
    )
    assert response.status_code == 302

    response = client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 200  # the old password no longer works
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": new_password})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_sign_out_page_for_a_signed_in_user(client, db):
    """The sign-out confirmation is a page of the site; posting it ends the session."""
    user = get_user_model().objects.create_user(username="u1", email=EMAIL, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    client.force_login(user)
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert_in_site_layout(page.content.decode())
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("language", "title", "forgot", "skip_link"),
    [
        ("de", "Anmelden", "Passwort vergessen?", "Zum Inhalt springen"),
        ("da", "Log ind", "Glemt din adgangskode?", "Gå til indhold"),
    ],
)
def test_account_pages_follow_the_chosen_language(client, db, language, title, forgot, skip_link):
    """allauth's own translations and the site's appear together in German and Danish."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("account_login")).content.decode()
    assert f'<html lang="{language}">' in html
    assert title in html
    assert forgot in html
    assert skip_link in html
    assert "Skip to content" not in html
