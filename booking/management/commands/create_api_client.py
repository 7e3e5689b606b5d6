"""Create an OAuth2 client for the Public API and print its credentials as JSON.

    python manage.py create_api_client "Partner portal" --scopes read write

The secret is printed once: the database keeps only its hash (booking/api/client_secrets.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model

from booking.api.models import READ, WRITE, ApiClient


class Command(BaseCommand):
    help = "Create an API client (OAuth2 client credentials) and print client_id and secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="A name that says who uses this client.")
        parser.add_argument(
            "--scopes",
            nargs="+",
            choices=[READ, WRITE],
            default=[READ, WRITE],
            help="What the client may do (default: read write).",
        )

    def handle(self, *args: Any, name: str, scopes: list[str], **options: Any) -> None:
        application_model = get_application_model()
        if application_model.objects.filter(name=name).exists():
            raise CommandError(f"An API client named {name!r} already exists.")
        # 128 characters from [A-Za-z0-9], drawn with SystemRandom: about 760 bits, far over
        # the 256 that let client_secrets.py store it with a single fast hash.
        secret = generate_client_secret()
        with transaction.atomic():
            application = application_model.objects.create(
                name=name,
                client_type=application_model.CLIENT_CONFIDENTIAL,
                authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
                client_secret=secret,  # hashed on save
                hash_client_secret=True,
            )
            ApiClient.objects.create(
                application=application, can_read=READ in scopes, can_write=WRITE in scopes
            )
        self.stdout.write(
            json.dumps(
                {
                    "name": name,
                    "client_id": application.client_id,
                    "client_secret": secret,
                    "scopes": sorted(set(scopes)),
                    "token_url": "/o/token/",
                },
                indent=2,
            )
        )
