"""What an API client may do: the scopes its OAuth2 application can be granted."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

READ, WRITE = "read", "write"


class ApiClient(models.Model):
    """The BookMe side of an OAuth2 application: which scopes it may ask for.

    An application without one may only read (least privilege for clients made
    elsewhere, e.g. in the admin before a row was added).
    """

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="bookme_client",
        verbose_name=_("application"),
    )
    can_read = models.BooleanField(
        _("scope read"), default=True, help_text=_("Configuration and availability.")
    )
    can_write = models.BooleanField(
        _("scope write"), default=False, help_text=_("Reserve, book and cancel.")
    )

    class Meta:
        verbose_name = _("API client scopes")
        verbose_name_plural = _("API client scopes")
        constraints = [
            models.CheckConstraint(
                condition=Q(can_read=True) | Q(can_write=True),
                name="apiclient_has_a_scope",
                violation_error_message=_("Allow at least one scope: read or write."),
            ),
        ]

    def __str__(self) -> str:
        return " ".join(self.scopes)

    @property
    def scopes(self) -> list[str]:
        return [
            scope for scope, allowed in ((READ, self.can_read), (WRITE, self.can_write)) if allowed
        ]
