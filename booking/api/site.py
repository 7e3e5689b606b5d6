"""The NinjaAPI of the Public API, mounted at /api/ (docs at /api/docs)."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from booking.api import config, meetings, time_slots
from booking.api.errors import install_error_handlers
from booking.api.guide import GUIDE

SECURITY_SCHEME = "OAuth2ClientCredentials"


class _Schema(OpenAPISchema):
    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        """ninja leaves the scopes out; name the one each operation needs."""
        if not operation.auth_callbacks:
            return None
        requirements = []
        for auth in operation.auth_callbacks:
            self.securitySchemes[SECURITY_SCHEME] = auth.openapi_security_schema
            requirements.append({SECURITY_SCHEME: list(getattr(auth, "scopes", []))})
        return requirements


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
api.add_router("", config.router)
api.add_router("", time_slots.router)
api.add_router("", meetings.router)
