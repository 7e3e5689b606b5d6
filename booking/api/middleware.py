"""The API's error shape for the answers that never reach an API view."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from booking.api.errors import body_too_large, error_body, status_code

API_PREFIX = "/api/"
MESSAGES = {
    404: "Not found: no such endpoint. The endpoints are listed at /api/docs.",
    405: "Method not allowed for this endpoint.",
}


class ApiErrorShapeMiddleware:
    """An unknown path or a wrong method under /api/ is answered by Django's URL
    resolver or by ninja's router, in HTML or with no body; clients get the same
    {"message", "parameter", "code"} JSON as from every other API error instead.

    A body over BOOKME_API_MAX_BODY_BYTES is refused here with a 413, before it is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            limit = settings.BOOKME_API_MAX_BODY_BYTES
            # Checked before anything reads the body or looks up the token. WSGI reads no
            # more than Content-Length, so the header is the whole story.
            if _content_length(request) > limit:
                return JsonResponse(
                    error_body(body_too_large(limit), None, "body_too_large"), status=413
                )
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code in MESSAGES
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            shaped = JsonResponse(
                error_body(MESSAGES[status], None, status_code(status)), status=status
            )
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django reads it: no body
