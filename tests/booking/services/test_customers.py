"""booking.services.customers: a customer for an API client's reference."""

from __future__ import annotations

import pytest

from booking import services
from booking.errors import InvalidRequest


class TestCustomerForReference:
    def test_a_reference_alone_makes_a_customer_without_contact_details(self, db):
        """A client's reference alone makes one customer without name or email, reused next time."""
        customer = services.customer_for_reference(external_id="7:67890")
        assert (customer.name, customer.email, customer.client_reference) == ("", "", "67890")
        assert customer.display_name == "Customer 67890"
        assert services.customer_for_reference(external_id="7:67890") == customer

    def test_an_empty_reference_is_refused(self, db):
        """An empty external reference is refused instead of making a nameless customer."""
        with pytest.raises(InvalidRequest):
            services.customer_for_reference(external_id="")
