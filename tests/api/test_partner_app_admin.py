"""Staff register partner apps in the admin: only client credentials or authorization code,
https redirect URIs, consent never skipped, and help text saying what a partner app can do."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.partner_flow import REDIRECT, SECRET, Application


def admin_form(**overrides: str) -> dict[str, str]:
    """The admin's application form for a partner app, with its scopes row inline."""
    form = {
        "client_id": "budget-planner",
        "client_secret": SECRET,
        "hash_client_secret": "on",
        "client_type": "public",
        "authorization_grant_type": "authorization-code",
        "name": "Budget Planner",
        "redirect_uris": REDIRECT,
        "post_logout_redirect_uris": "",
        "allowed_origins": "",
        "algorithm": "",
        "bookme_client-TOTAL_FORMS": "1",
        "bookme_client-INITIAL_FORMS": "0",
        "bookme_client-MIN_NUM_FORMS": "1",
        "bookme_client-MAX_NUM_FORMS": "1",
        "bookme_client-0-can_read": "on",
        "webhook_subscriptions-TOTAL_FORMS": "0",
        "webhook_subscriptions-INITIAL_FORMS": "0",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value != "-"}


@pytest.fixture
def administrator(db, django_user_model) -> Client:
    http = Client()
    http.force_login(django_user_model.objects.create_superuser("admin", "a@example.com", "pw"))
    return http


ADD = "/admin/oauth2_provider/application/add/"


def test_staff_register_a_partner_app_and_read_what_it_can_do(administrator):
    """The add page explains partner apps and offers only the two grants; saving a public
    authorization-code app with an https redirect URI works."""
    page = administrator.get(ADD).content.decode()
    assert "A partner app (authorization code) acts for one person" in page
    assert 'value="authorization-code"' in page
    assert 'value="client-credentials"' in page
    for refused in ("implicit", "password", "openid-hybrid", "device_code"):
        assert f'value="{refused}"' not in page
    response = administrator.post(ADD, admin_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    application = Application.objects.get(name="Budget Planner")
    assert application.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"authorization_grant_type": "implicit"}, "authorization_grant_type", "valid choice"),
        ({"authorization_grant_type": "password"}, "authorization_grant_type", "valid choice"),
        ({"redirect_uris": "http://partner.example/callback"}, "redirect_uris", "scheme"),
        ({"redirect_uris": ""}, "redirect_uris", "cannot be empty"),
        ({"skip_authorization": "on"}, "skip_authorization", "always ask the person"),
        ({"algorithm": "RS256"}, "algorithm", "OpenID Connect is not offered"),
    ],
)
def test_the_admin_refuses_what_a_partner_app_may_not_be(administrator, overrides, field, message):
    """Implicit or password grant, an http or missing redirect URI, skipped consent, OpenID
    Connect: the form is shown again with the error on its field, nothing saved."""
    response = administrator.post(ADD, admin_form(**overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Application.objects.exists()
