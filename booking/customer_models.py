"""The people meetings are booked for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    # An API client may name a customer by its own reference only (seed 001's customerId):
    # then name and email stay blank and display_name shows the reference.
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, help_text=_("The API's customerId.")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="customer_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>" if self.email else self.display_name

    @property
    def client_reference(self) -> str:
        """The customerId the API client sent (external_id is "<application id>:<theirs>")."""
        return self.external_id.partition(":")[2]

    @property
    def display_name(self) -> str:
        """The name to show: never empty, the client's reference when the name is unknown."""
        if self.name:
            return self.name
        reference = self.client_reference or str(self.pk or "")
        return _("Customer %(reference)s") % {"reference": reference}
