"""Shared pieces of the OpenAPI description: error responses and their meanings."""

from __future__ import annotations

from typing import Any

from booking.api.schemas import ErrorOut

ERROR_MEANINGS = {
    400: "Invalid input: malformed JSON, a wrong type, an unknown enum value, a reversed or "
    "too long range... `parameter` names the culprit.",
    401: "Missing, unknown or expired access token (see the WWW-Authenticate header).",
    403: "The access token lacks the scope this operation needs, or is of the wrong kind "
    "(`code` person_token_refused or person_token_required: a client's own token versus a "
    "partner app's token acting for a person).",
    404: "Unknown resource (theme, customer category, employee, room, time slot, meeting), "
    "or one that belongs to another client.",
    409: "Conflict: the time is taken or overlaps another, the hold expired, or the time "
    "slot is not in the status the operation needs.",
    429: "Too many requests from this client in the current window (the RateLimit-* headers "
    "say how many remain), or too many holds or booked time slots without a meeting at "
    "once. Retry-After gives the seconds to wait.",
}
# Every authenticated operation can answer these (token, scope, rate limit per client).
ALWAYS = {401, 403, 429}


def responses(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """ninja's `response=`: the success schemas plus ErrorOut for ALWAYS and `errors`."""
    return {**ok, **dict.fromkeys(sorted({*ALWAYS, *errors}), ErrorOut)}


def described(*errors: int, **extra: Any) -> dict[str, Any]:
    """openapi_extra giving each error status its meaning in this API."""
    described_responses = {
        code: {"description": ERROR_MEANINGS[code]} for code in sorted({*ALWAYS, *errors})
    }
    for code, value in extra.pop("responses", {}).items():
        described_responses.setdefault(code, {}).update(value)
    return {"responses": described_responses, **extra}
