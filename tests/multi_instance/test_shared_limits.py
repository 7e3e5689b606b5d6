"""Limits hold across app instances: two real servers count one client in one Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import requests
from django.db import connection

from tests.api.helpers import issue_token, make_application
from tests.multi_instance.servers import app_instances, database_url

REDIS_URL = os.environ.get("BOOKME_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TOPICS = "/api/bookme/meeting-topics?isCustomer=false"

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_key_prefix() -> Iterator[str]:
    """A key prefix of this test run alone in the shared Redis; its keys are removed after."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL} (BOOKME_TEST_REDIS_URL): {exc}")
    prefix = f"bookme-test-{uuid.uuid4().hex}"
    yield prefix
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


def test_the_api_rate_limit_is_counted_across_instances(
    transactional_db, redis_key_prefix, tmp_path
):
    """Limit 5 per client: 3 requests to one instance and 3 to the other, the 6th is 429."""
    application = make_application("Spread out", "read write")
    token = issue_token(application, "read write")
    env = {
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": redis_key_prefix,
        "DATABASE_URL": database_url(connection.settings_dict),
        "BOOKME_ENV_FILE": "",
        "BOOKME_SITE_URL": "http://127.0.0.1:8000",
        "ALLOWED_HOSTS": "127.0.0.1",
        "BOOKME_API_RATE_LIMIT": "5",
        # A day-long window: the test cannot straddle two windows.
        "BOOKME_API_RATE_WINDOW_SECONDS": "86400",
    }
    with app_instances(2, env, tmp_path) as (first, second):
        headers = {"Authorization": f"Bearer {token}"}
        responses = [
            requests.get(base + TOPICS, headers=headers, timeout=10)
            for base in (first, first, first, second, second, second)
        ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 429]
    assert [r.headers["RateLimit-Remaining"] for r in responses] == ["4", "3", "2", "1", "0", "0"]
    refused = responses[-1]
    assert refused.json()["parameter"] is None
    assert int(refused.headers["Retry-After"]) >= 1
