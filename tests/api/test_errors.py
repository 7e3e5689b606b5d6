"""One error shape, and the one table that names domain fields in the API's terms."""

from __future__ import annotations

import pytest
from django.core.signals import got_request_exception

from booking.api import config, errors
from booking.api.errors import PARAMETERS, api_parameter


@pytest.mark.parametrize(
    ("field", "context", "parameter"),
    [
        ("start", "search", "startDate"),
        ("end", "search", "endDate"),
        ("duration", "search", "meetingDuration"),
        ("start", "reserve", "timeSlot.startDate"),
        ("employee", "reserve", "timeSlot.employeeId"),
        ("token", "reserve", "token"),
        ("status", "time_slot", "/status"),
        ("time_slot", "time_slot", "timeSlotId"),
        ("meeting", "meeting_id", "meetingId"),
        ("time_slot", "meeting", "timeSlotId"),
        ("meeting_type", "meeting", "type"),
        ("customer_category", "meeting", "customerCategoryId"),
        ("answers.17", "meeting", "answers.17"),
        ("some_new_field", "meeting", "someNewField"),  # unmapped: at least camelCase
        (None, "meeting", None),
    ],
)
def test_domain_fields_become_api_parameters(field, context, parameter):
    """Each kind of request names the field the way its client sent it."""
    assert api_parameter(field, context) == parameter


def test_every_context_maps_to_camel_case_or_paths():
    """No snake_case leaks into a parameter name."""
    for mapping in PARAMETERS.values():
        for parameter in mapping.values():
            assert "_" not in parameter, parameter


@pytest.mark.parametrize(
    ("location", "parameter"),
    [
        (("query", "startDate"), "startDate"),
        (("query", "query", "meetingTypes", 0), "meetingTypes"),
        (("path", "timeSlotId"), "timeSlotId"),
        (("body", "payload", "timeSlot", "startDate"), "timeSlot.startDate"),
        (("body", "operations", 0, "op"), "0.op"),
        (("body", "payload"), None),
        ((), None),
    ],
)
def test_validation_locations_become_parameters(location, parameter):
    """ninja's error locations, without the source and the view's own argument name."""
    assert errors._location_to_parameter(location) == parameter


def test_an_unexpected_error_is_a_json_500_and_is_reported(world, caller, monkeypatch):
    """A bug (not client input) still answers in the error shape, and Django hears of it."""

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    reported = []

    def receiver(sender, request, **kwargs):
        reported.append(request.path)

    monkeypatch.setattr(config.CustomerCategory.objects, "order_by", broken)
    caller.http.raise_request_exception = False
    got_request_exception.connect(receiver)
    try:
        response = caller.get("/api/config/customer-types")
    finally:
        got_request_exception.disconnect(receiver)
    assert response.status_code == 500
    assert response.json() == {
        "message": "Internal server error.",
        "parameter": None,
        "code": "server_error",
    }
    assert reported == ["/api/config/customer-types"]


def test_unknown_contexts_are_refused_at_import_time():
    """A typo in @domain_errors("...") fails loudly when the module loads, not at run time."""
    with pytest.raises(KeyError):
        errors.domain_errors("no-such-context")


@pytest.mark.parametrize("path", ["/api/no-such-thing", "/api/bookme/nothing/here", "/api/bookme/"])
def test_an_unknown_path_under_the_api_answers_in_the_error_shape(caller, path):
    """Not Django's HTML page: a JSON 404 like every other API error."""
    response = caller.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["parameter"] is None
    assert response.json()["code"] == "not_found"
    assert "/api/docs" in response.json()["message"]


def test_a_wrong_method_answers_in_the_error_shape_and_says_what_is_allowed(caller):
    """DELETE on the topic list is a JSON 405 that keeps the Allow header."""
    response = caller.http.delete("/api/bookme/meeting-topics", headers=caller.headers)
    assert response.status_code == 405
    assert response.json() == {
        "message": "Method not allowed for this endpoint.",
        "parameter": None,
        "code": "method_not_allowed",
    }
    assert "GET" in response["Allow"]


def test_pages_outside_the_api_keep_their_html_404(client, db):
    """The website's own 404 page is untouched."""
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
