"""API clients in the admin: oauth-toolkit's application page with the scopes inline."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from oauth2_provider.models import get_application_model

from booking.api.models import ApiClient


def test_staff_create_a_client_with_its_scopes_in_the_admin(client, db):
    """The application form carries the scopes inline; saving creates both rows."""
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    page = client.get("/admin/oauth2_provider/application/add/")
    assert page.status_code == 200
    assert "Scope write" in page.content.decode()

    response = client.post(
        "/admin/oauth2_provider/application/add/",
        {
            "client_id": "partner-id",
            "client_secret": "partner-secret-" + "x" * 43,
            "hash_client_secret": "on",
            "client_type": "confidential",
            "authorization_grant_type": "client-credentials",
            "name": "Partner",
            "redirect_uris": "",
            "post_logout_redirect_uris": "",
            "allowed_origins": "",
            "algorithm": "",
            "bookme_client-TOTAL_FORMS": "1",
            "bookme_client-INITIAL_FORMS": "0",
            "bookme_client-MIN_NUM_FORMS": "1",
            "bookme_client-MAX_NUM_FORMS": "1",
            "bookme_client-0-can_read": "on",
            "bookme_client-0-can_write": "on",
            "webhook_subscriptions-TOTAL_FORMS": "0",
            "webhook_subscriptions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    application = get_application_model().objects.get(name="Partner")
    assert ApiClient.objects.get(application=application).scopes == ["read", "write"]


def test_a_client_needs_at_least_one_scope(db):
    """The named constraint refuses a client with neither read nor write, with a message."""
    application = get_application_model().objects.create(
        name="Nothing", client_type="confidential", authorization_grant_type="client-credentials"
    )
    client = ApiClient(application=application, can_read=False, can_write=False)
    with pytest.raises(ValidationError, match="Allow at least one scope"):
        client.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        client.save()
