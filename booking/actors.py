"""Who acts on a time slot or a meeting. Services decide policy from this, not from flags.

The `holder` string is what time slots and meetings store (TimeSlot.holder, Meeting.owner):
"session:<key>", "user:<id>", "client:<application id>", "employee:<id>", "staff:<user id>",
"system:<name>".
The first three are the formats stored before actors existed, so old rows stay valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from config_data.models import Employee


class ActorKind(models.TextChoices):
    SESSION = "session", _("customer (browser)")
    USER = "user", _("customer account")
    API_CLIENT = "client", _("API client")
    EMPLOYEE = "employee", _("employee")
    STAFF = "staff", _("staff user")
    SYSTEM = "system", _("system")


CUSTOMER_KINDS = frozenset({ActorKind.SESSION, ActorKind.USER})


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str

    @classmethod
    def for_session(cls, session_key: str) -> Actor:
        return cls(ActorKind.SESSION, session_key)

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        """A signed-in customer (a user object or its primary key)."""
        return cls(ActorKind.USER, str(getattr(user, "pk", user)))

    @classmethod
    def for_api_client(cls, application_id: int | str) -> Actor:
        return cls(ActorKind.API_CLIENT, str(application_id))

    @classmethod
    def employee(cls, employee: Employee) -> Actor:
        return cls(ActorKind.EMPLOYEE, str(employee.pk))

    @classmethod
    def for_staff_user(cls, user: Any) -> Actor:
        """Someone working in the admin, for the organisation (not an Employee row)."""
        return cls(ActorKind.STAFF, str(getattr(user, "pk", user)))

    @classmethod
    def for_staff(cls, user: Any, employee: Employee | None) -> Actor:
        """Someone working in the staff pages: as their employee record when they have one
        (booking.roles.employee_of), else as the staff user (an administrator)."""
        return cls.employee(employee) if employee is not None else cls.for_staff_user(user)

    @classmethod
    def system(cls, name: str = "bookme") -> Actor:
        """BookMe itself (e.g. expiring stale holds) or a command such as the demo loader."""
        return cls(ActorKind.SYSTEM, name)

    @classmethod
    def from_holder(cls, holder: str) -> Actor:
        """The actor behind a stored holder string; ValueError for an unknown format."""
        prefix, sep, ident = holder.partition(":")
        if not sep or not ident or prefix not in ActorKind.values:
            raise ValueError(f"Not a holder string: {holder!r}")
        return cls(ActorKind(prefix), ident)

    def __str__(self) -> str:
        return self.holder

    @property
    def holder(self) -> str:
        return f"{self.kind.value}:{self.id}"

    @property
    def is_customer(self) -> bool:
        """A customer on the website: held to the topic's change cut-off and the site's caps."""
        return self.kind in CUSTOMER_KINDS

    @property
    def max_active_holds(self) -> int | None:
        """How many live holds this actor may have at once; None: no cap (staff, system)."""
        if self.is_customer:
            return settings.BOOKME_MAX_ACTIVE_HOLDS
        if self.kind == ActorKind.API_CLIENT:
            return settings.BOOKME_API_MAX_ACTIVE_HOLDS
        return None

    @property
    def max_booked_without_meeting(self) -> int | None:
        """How many Booked slots may wait for their meeting at once. The website books and
        creates the meeting in one step, so only API clients need the cap."""
        if self.kind == ActorKind.API_CLIENT:
            return settings.BOOKME_API_MAX_BOOKED_WITHOUT_MEETING
        return None

    @property
    def max_meetings_without_email(self) -> int | None:
        """How many upcoming meetings may have a customer without an email. Such a meeting
        (an API client's customerId alone) books its slot for good and tells nobody, so
        without a cap a client could fill the calendar; the website always asks for one."""
        if self.kind == ActorKind.API_CLIENT:
            return settings.BOOKME_API_MAX_MEETINGS_WITHOUT_EMAIL
        return None

    @property
    def held_to_cutoff(self) -> bool:
        """Customers change their meetings online only until the topic's cut-off; API clients
        and staff act for the organisation and are not held to it."""
        return self.is_customer
