"""JSON answers built without pydantic, for the few answers that are long lists."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse


def json_response(data: Any, *, status: int = 200) -> HttpResponse:
    """orjson on plain dicts and lists: UTC datetimes end in "Z", as pydantic writes them."""
    return HttpResponse(
        orjson.dumps(data, option=orjson.OPT_UTC_Z), status=status, content_type="application/json"
    )
