"""The API's error shape for the answers that never reach an API view."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"
MESSAGES = {
    404: "Not found: no such endpoint. The endpoints are listed at /api/docs.",
    405: "Method not allowed for this endpoint.",
}


class ApiErrorShapeMiddleware:
    """An unknown path or a wrong method under /api/ is answered by Django's URL
    resolver or by ninja's router, in HTML or with no body; clients get the same
    {"message", "parameter"} JSON as from every other API error instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code in MESSAGES
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            shaped = JsonResponse(
                {"message": MESSAGES[response.status_code], "parameter": None},
                status=response.status_code,
            )
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
