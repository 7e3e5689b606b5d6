"""One error shape for the whole API:
{"message": "...", "parameter": "<name or null>", "code": "<stable code>"}.

Domain errors (booking.errors) name the field at fault in domain terms ("start",
"employee", ...); PARAMETERS below is the one place that turns those into the
names a client sent, per kind of request. Their codes are the catalogue's
(booking.errors.MESSAGES); errors the API finds itself have the codes of API_CODES.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from booking.errors import MESSAGES, BookingError

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# Domain field -> API parameter, per kind of request.
PARAMETERS: dict[str, dict[str, str]] = {
    "search": {
        "start": "startDate",
        "end": "endDate",
        "duration": "meetingDuration",
        "meeting_types": "meetingTypes",
        "employee": "explicitEmployeeIds",
        "room": "specificRooms",
        "room_features": "requiredRoomFeatures",
        "topic": "theme",
        "customer_category": "customerCategoryId",
    },
    "reserve": {
        "start": "timeSlot.startDate",
        "end": "timeSlot.endDate",
        "duration": "timeSlot.endDate",
        "employee": "timeSlot.employeeId",
        "room": "timeSlot.roomId",
        "room_features": "requiredRoomFeatures",
        "status": "timeSlot.status",
        "topic": "themeId",
        "meeting_type": "meetingType",
        "meeting_types": "meetingType",
        "token": "token",
    },
    "time_slot": {
        "time_slot": "timeSlotId",
        "status": "/status",
    },
    "meeting": {
        "time_slot": "timeSlotId",
        "start": "timeSlotId",  # the customer already has a meeting then
        "topic": "themeId",
        "meeting_type": "type",
        "employee": "employeeId",
        "room": "roomId",
        "customer_category": "customerCategoryId",
        "booked_by": "bookedBy",
        "customer": "customer",
        "name": "customer.name",
        "email": "customer.email",
        "phone": "customer.phone",
        "external_id": "customerId",
        "description": "description",
        "profile": "profileId",
        "profile_fields": "profileFields",
    },
    "meeting_id": {
        "meeting": "meetingId",
    },
}


# The codes of errors that are not the domain's: the API's own checks of the request.
# Clients branch on `code`, never on the English `message`.
API_CODES: dict[str, str] = {
    "invalid_input": "A parameter or the body is malformed, of the wrong type or missing.",
    "invalid_json": "The request body is not valid JSON.",
    "unauthorized": "No access token, an unknown or an expired one.",
    "forbidden": "The access token lacks the scope the operation needs.",
    "person_token_refused": "A token acting for a person (authorization code) may not use "
    "this operation: it reads only that person's meetings and schedule and the configuration.",
    "person_token_required": "The operation needs a token acting for a person "
    "(authorization code), not a client's own token.",
    "not_found": "No such endpoint, or an unknown id (or another client's).",
    "unknown_room_feature": "requiredRoomFeatures names a room feature that does not exist.",
    "unknown_profile": "profileId names no booking profile.",
    "method_not_allowed": "The endpoint does not take this HTTP method.",
    "conflict": "The object is not in the state the operation needs.",
    "body_too_large": "The request body is larger than the API takes.",
    "rate_limited": "Too many requests from this client in the current window.",
    "server_error": "A fault on our side; it has been reported.",
    "webhook_url_refused": "The webhook URL is not https, or not on a public address.",
    "webhook_limit_reached": "The client has as many webhook subscriptions as it may have.",
}
# Every code an API error can carry: the catalogue's and the API's own.
ERROR_CODES: tuple[str, ...] = (*MESSAGES, *API_CODES)
# The code of an ApiError raised without one.
STATUS_CODES: dict[int, str] = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    429: "rate_limited",
    500: "server_error",
}


def status_code(status: int) -> str:
    """The generic code for an HTTP status (any other client error is invalid input)."""
    return STATUS_CODES.get(status, "server_error" if status >= 500 else "invalid_input")


def error_body(message: str, parameter: str | None, code: str) -> dict[str, str | None]:
    """The JSON of every API error."""
    return {"message": message, "parameter": parameter, "code": code}


class ApiError(Exception):
    """An error answer: status, message, the parameter at fault, its code (by default the
    status's generic one) and optional headers."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        parameter: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter
        self.code = code or STATUS_CODES[status]
        if self.code not in ERROR_CODES:
            raise ValueError(f"{self.code!r} is neither a catalogue code nor one of API_CODES.")
        self.headers = dict(headers or {})


def body_too_large(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


def api_parameter(field: str | None, context: str) -> str | None:
    """The API's name for a domain field: mapped, answers.<id> kept, the key of a mapped
    map kept as sent (profile_fields.first_name -> profileFields.first_name), else
    camelCased."""
    if field is None:
        return None
    mapped = PARAMETERS[context].get(field)
    if mapped is not None:
        return mapped
    if field.startswith("answers."):
        return field
    head, dot, key = field.partition(".")
    if dot and head in PARAMETERS[context]:
        return f"{PARAMETERS[context][head]}.{key}"
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)


def domain_errors(context: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn the domain errors an endpoint raises into ApiErrors named in its own terms."""
    if context not in PARAMETERS:
        raise KeyError(context)

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return view(*args, **kwargs)
            except BookingError as exc:
                raise ApiError(
                    exc.status,
                    english(exc),
                    parameter=api_parameter(exc.field, context),
                    code=exc.code,
                    headers=retry_after_headers(exc),
                ) from exc
            except DjangoValidationError as exc:
                field, message = _first_django_error(exc)
                raise ApiError(400, message, parameter=api_parameter(field, context)) from exc

        # ninja resolves string annotations in the wrapper's module: give it the real types.
        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def english(exc: BookingError) -> str:
    """The catalogue message in English: API messages do not follow Accept-Language."""
    with translation.override("en"):
        return exc.message


def retry_after_headers(exc: BookingError) -> dict[str, str]:
    """Retry-After for a LimitReached that knows when a place frees up (RFC 9110, seconds)."""
    retry_after = getattr(exc, "retry_after", None)
    return {} if retry_after is None else {"Retry-After": str(retry_after)}


def _first_django_error(exc: DjangoValidationError) -> tuple[str | None, str]:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.message_dict.items()))
        return (None if field == "__all__" else field), errors[0]
    return None, exc.messages[0] if exc.messages else "Invalid input."


def _location_to_parameter(location: tuple[Any, ...]) -> str | None:
    """The parameter a client sent, from ninja's error location.

    ("query", "startDate") -> "startDate"; ("query", "query", "meetingTypes", 0) ->
    "meetingTypes" (the name of a query or path parameter is the last name in the location);
    ("body", "payload", "timeSlot", "startDate") -> "timeSlot.startDate" (the view's
    argument name is not the client's); ("body", "operations", 0, "op") -> "0.op".
    """
    if not location:
        return None
    source, *path = location
    if source != "body":
        names = [part for part in path if isinstance(part, str)]
        return names[-1] if names else None
    return ".".join(str(part) for part in path[1:]) or None


def _error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    message: str,
    parameter: str | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    code: str | None = None,
) -> HttpResponse:
    body = error_body(message, parameter, code or status_code(status))
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _validation_error(error: dict[str, Any]) -> tuple[str | None, str]:
    """The parameter to blame and the message for the first of ninja's validation errors."""
    parameter = _location_to_parameter(tuple(error.get("loc", ())))
    message, kind = error.get("msg", "Invalid value."), error.get("type")
    if parameter is not None:
        return parameter, f"{parameter}: {message}"
    if kind == "missing":
        return None, "A JSON request body is required."
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return None, "The request body must be a JSON object."
    if kind == "list_type":
        return None, "The request body must be a JSON array (a JSON Patch document)."
    return None, f"Invalid request body: {message}"


def _http_error(exc: HttpError) -> tuple[str, str | None]:
    """The message and code for ninja's own HttpError (its text, unless it is about JSON)."""
    message = str(exc)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        return "The request body is not valid JSON.", "invalid_json"
    return message, None


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return _error_response(
            api, request, exc.status, exc.message, exc.parameter, exc.headers, code=exc.code
        )

    @api.exception_handler(ValidationError)
    def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        parameter, message = _validation_error(exc.errors[0])
        return _error_response(api, request, 400, message, parameter)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error_response(
            api,
            request,
            401,
            "Authentication required: send Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": 'Bearer realm="bookme"'},
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message, code = _http_error(exc)
        return _error_response(api, request, exc.status_code, message, code=code)

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # Django's own limit, met when the body is read; the API's is checked before that
        # (booking.api.middleware), so this only answers when DATA_UPLOAD_MAX_MEMORY_SIZE
        # is the smaller of the two.
        return _error_response(
            api, request, 413, body_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        )

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # E.g. more query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS: the client's
        # fault, as Django's own handler says with its 400.
        return _error_response(api, request, 400, "The request is malformed or too large.")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error_response(api, request, 404, "Not found.")

    @api.exception_handler(BookingError)
    def domain_error(request: HttpRequest, exc: BookingError) -> HttpResponse:
        # Endpoints translate these with domain_errors(); this is the safety net.
        return _error_response(
            api,
            request,
            exc.status,
            english(exc),
            exc.field,
            retry_after_headers(exc),
            code=exc.code,
        )

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        # What Django does for any 500: error reporters (and the test client) hear of it.
        got_request_exception.send(sender=None, request=request)
        return _error_response(api, request, 500, "Internal server error.")
