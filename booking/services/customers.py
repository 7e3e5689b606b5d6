"""Customers: the person a meeting is for, by account, by an API client's reference, or new."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q

from booking.errors import InvalidRequest
from booking.models import Customer


@dataclass(frozen=True)
class CustomerDetails:
    """Who is coming, as the website's details form gives it."""

    name: str
    email: str
    phone: str = ""
    user_id: int | None = None


def customer_upsert(
    *, name: str, email: str, phone: str = "", external_id: str = "", user_id: int | None = None
) -> Customer:
    """The customer for a booking: by external id, else by account, else a new record.

    Two first bookings for one new reference (or account) at once both find nothing and
    both insert: the loser's insert breaks the unique constraint inside a savepoint, and it
    then updates the record the winner created, as customer_for_reference does.
    """
    lookup: Q | None = None
    if external_id:
        lookup = Q(external_id=external_id)
    elif user_id is not None:
        lookup = Q(user_id=user_id)

    def save() -> Customer:
        customer = Customer.objects.filter(lookup).first() if lookup is not None else None
        if customer is None:
            customer = Customer(external_id=external_id, user_id=user_id)
        customer.name, customer.email = name.strip(), email.strip()
        if phone:
            customer.phone = phone.strip()
        customer.full_clean(validate_constraints=False, validate_unique=False)
        with transaction.atomic():
            customer.save()
        return customer

    try:
        return save()
    except IntegrityError:
        if lookup is None:
            raise
        return save()  # the other request created it: this one updates that record


def customer_for_reference(*, external_id: str) -> Customer:
    """The customer an API client names by its own reference only (seed 001's customerId):
    found, or recorded without contact details, which stay with the client."""
    if not external_id:
        raise InvalidRequest("customer_reference_required", field="external_id")
    customer = Customer.objects.filter(external_id=external_id).first()
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            return Customer.objects.create(external_id=external_id)
    except IntegrityError:
        # Two first meetings for one new reference at once: the other request created it.
        return Customer.objects.get(external_id=external_id)
