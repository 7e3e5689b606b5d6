"""The NinjaAPI of the Public API, mounted at /api/ (docs at /api/docs)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.security.base import AuthBase

from booking.api import config, me, meetings, profiles, time_slots, waitlist, webhooks
from booking.api.auth import rate_limit_headers
from booking.api.errors import install_error_handlers
from booking.api.guide import GUIDE

SECURITY_SCHEME = "OAuth2ClientCredentials"
ERROR_SCHEMA = "#/components/schemas/ErrorOut"


class _Schema(OpenAPISchema):
    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        """ninja leaves the scopes out; name the one each operation needs."""
        if not operation.auth_callbacks:
            return None
        requirements = []
        for auth in operation.auth_callbacks:
            if not isinstance(auth, AuthBase):  # a plain function documents no scheme
                continue
            schemes = getattr(auth, "openapi_schemes", None) or [
                (SECURITY_SCHEME, auth.openapi_security_schema)
            ]
            # Several schemes are alternatives: a client's own token or a person's.
            for name, schema in schemes:
                self.securitySchemes[name] = schema
                requirements.append({name: list(getattr(auth, "scopes", []))})
        return requirements

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        """Bodies are size-limited for every operation (booking.api.middleware): where an
        operation takes one, its 413 is documented like every other error."""
        details = super().operation_details(operation)
        if "requestBody" in details:
            details["responses"][413] = {
                "description": "The request body is larger than "
                f"{settings.BOOKME_API_MAX_BODY_BYTES} bytes (BOOKME_API_MAX_BODY_BYTES).",
                "content": {"application/json": {"schema": {"$ref": ERROR_SCHEMA}}},
            }
        return details


class BookMeAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return _Schema(self, path_prefix)


api = BookMeAPI(
    title="BookMe Public API",
    version="1.0",
    description=GUIDE,
    urls_namespace="api",
)
install_error_handlers(api)
# Around each operation, authentication included: its answer, even an error, gets them.
api.add_decorator(rate_limit_headers, mode="view")
api.add_router("", config.router)
api.add_router("", profiles.router)
api.add_router("", time_slots.router)
api.add_router("", meetings.router)
api.add_router("", webhooks.router)
api.add_router("", waitlist.router)
api.add_router("", me.router)
