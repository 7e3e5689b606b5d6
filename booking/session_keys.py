"""The session keys of time slots: which seats share one time."""

from __future__ import annotations

import uuid
from datetime import datetime

# A slot's session_key says which seats share one time: a private meeting has a key of its
# own ("single:..."), the seats of a group session share one ("group:..."). These helpers are
# the only place that spells the prefixes.
SINGLE_SESSION_PREFIX = "single:"
GROUP_SESSION_PREFIX = "group:"


def single_session_key(suffix: str) -> str:
    return f"{SINGLE_SESSION_PREFIX}{suffix}"


def new_session_key() -> str:
    return single_session_key(uuid.uuid4().hex)


def group_session_key(
    *, topic_id: int, employee_id: int | None, room_id: int | None, start: datetime
) -> str:
    """The key every seat of one group session shares: same topic, people, room and start."""
    return f"{GROUP_SESSION_PREFIX}{topic_id}:{employee_id}:{room_id}:{start.isoformat()}"


def is_single_session(session_key: str) -> bool:
    return session_key.startswith(SINGLE_SESSION_PREFIX)


def is_group_session(session_key: str) -> bool:
    return session_key.startswith(GROUP_SESSION_PREFIX)
