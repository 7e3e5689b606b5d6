"""A person takes back a partner app's access (the website's Connected apps page)."""

from __future__ import annotations

from django.db import transaction
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
)

from booking.api.auth import forget_token


class NotConnected(Exception):
    """The person has no token or code of this app: nothing of theirs to revoke."""


def partner_app_revoke(*, user_id: int, application_id: int) -> int:
    """Delete the app's access tokens, refresh tokens and codes of this person only; the
    number of rows deleted. Raises NotConnected when the person has none.

    Refresh tokens go first: a refresh racing this revocation locks its refresh token
    (oauth-toolkit's select_for_update), so the delete waits for it and the access token
    that refresh made is committed before the access tokens are deleted below, not after;
    the new refresh token it made is deleted by a second pass at the end.
    Access tokens are deleted one by one so that post_delete reaches the API's token cache
    (booking.api.auth); the cache forgets them again after commit, so that a request
    between the delete and the commit cannot keep an answer from before it.
    """
    scope = {"user_id": user_id, "application_id": application_id}
    with transaction.atomic():
        refresh = get_refresh_token_model().objects.filter(**scope)
        access = get_access_token_model().objects.filter(**scope)
        grants = get_grant_model().objects.filter(**scope)
        deleted, _ = refresh.delete()
        checksums = []
        for token in access.only("pk", "token_checksum"):
            token.delete()
            checksums.append(token.token_checksum)
        deleted += len(checksums)
        deleted += grants.delete()[0]
        # The refresh that raced the first delete committed a new refresh token, which that
        # delete's row list did not hold: delete again (its access token went above).
        deleted += refresh.delete()[0]
        if not deleted:
            raise NotConnected(application_id)

        def forget_all() -> None:
            for checksum in checksums:
                forget_token(checksum)

        transaction.on_commit(forget_all)
    return deleted
