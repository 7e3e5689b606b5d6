"""Building blocks of the API tests: clients with tokens, and the seed's steps as calls."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, get_application_model, set_token_value

from booking.api.models import ApiClient

Application = get_application_model()


@dataclass
class Caller:
    """One API client: its application, a bearer token, and a test client sending it."""

    application: Any
    token: str
    http: Client

    @property
    def holder(self) -> str:
        return f"client:{self.application.pk}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, data: Any = None) -> Any:
        return self.http.get(path, data, headers=self.headers)

    def post(self, path: str, body: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("content_type", "application/json")
        return self.http.post(path, body, headers={**self.headers, **(headers or {})}, **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("content_type", "application/json-patch+json")
        return self.http.patch(path, body, headers=self.headers, **kwargs)


def make_application(name: str, scopes: str) -> Any:
    application = Application.objects.create(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret="test-secret",
    )
    ApiClient.objects.create(
        application=application, can_read="read" in scopes, can_write="write" in scopes
    )
    return application


def issue_token(application: Any, scopes: str, *, lifetime: timedelta = timedelta(hours=1)) -> str:
    raw = secrets.token_urlsafe(24)
    token = AccessToken(application=application, expires=timezone.now() + lifetime, scope=scopes)
    set_token_value(token, raw)
    token.save()
    return raw


# Tuesday 2 June 2026, 10:00 in Copenhagen: inside everyone's working hours.
TEN = "2026-06-02T08:00:00Z"
ELEVEN = "2026-06-02T09:00:00Z"
BOOKED = [{"op": "replace", "path": "/status", "value": "Booked"}]
CANCELLED = [{"op": "replace", "path": "/status", "value": "Cancelled"}]


def reserve_body(
    employee: Any, *, start: str = TEN, end: str = ELEVEN, token: str = "token-1", **extra: Any
) -> dict[str, Any]:
    time_slot = {"startDate": start, "endDate": end, "status": "Reserved"}
    if employee is not None:
        time_slot["employeeId"] = str(employee.pk)
    time_slot.update(extra.pop("time_slot", {}))
    return {"timeSlot": time_slot, "token": token, **extra}


def reserve(caller: Caller, employee: Any, **kwargs: Any) -> dict[str, Any]:
    response = caller.post("/api/bookme/time-slots/reserve", reserve_body(employee, **kwargs))
    assert response.status_code == 201, response.content
    return response.json()


def booked_slot(caller: Caller, employee: Any, **kwargs: Any) -> dict[str, Any]:
    slot = reserve(caller, employee, **kwargs)
    response = caller.patch(f"/api/bookme/time-slots/{slot['id']}", BOOKED)
    assert response.status_code == 200, response.content
    return response.json()


def meeting_body(world: Any, slot: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {
        "bookedBy": "customer",
        "timeSlotId": slot["id"],
        "type": "online",
        "themeId": str(world.topic.pk),
        "employeeId": slot["employeeId"],
        "customerId": "cust-1",
        "description": "About our new house",
        "customer": {"name": "Carla Customer", "email": "carla@example.com", "phone": "+4512"},
    }
    body.update(extra)
    return body


def create_meeting(caller: Caller, world: Any, **kwargs: Any) -> dict[str, Any]:
    slot = booked_slot(caller, world.alice, **kwargs)
    response = caller.post("/api/bookme/meetings", meeting_body(world, slot))
    assert response.status_code == 201, response.content
    return response.json()


def api_error(message: str, code: str, parameter: str | None = None) -> dict[str, Any]:
    """An API error body as the client receives it."""
    return {"message": message, "parameter": parameter, "code": code}
