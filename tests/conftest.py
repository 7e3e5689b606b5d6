from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import time_machine

from config_data.models import Employee, Location, MeetingTopic, Room
from tests import background, factories

# 2026-06-01 is a Monday; 06:00 UTC is 08:00 in Copenhagen.
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


# CI sets these so that a required part cannot pass by being skipped.
REQUIRED_MARKS = {
    "postgres": "BOOKME_REQUIRE_POSTGRES",
    "browser": "BOOKME_REQUIRE_BROWSER",
    "redis": "BOOKME_REQUIRE_REDIS",
}


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'postgresql' if on_postgres() else 'sqlite'}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped:
        return
    for mark, variable in REQUIRED_MARKS.items():
        if item.get_closest_marker(mark) and os.environ.get(variable) == "1":
            report.outcome = "failed"
            report.longrepr = f"{mark} test was skipped but {variable}=1 requires it to run"


_ran_marks: set[str] = set()


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        _ran_marks.update(mark for mark in REQUIRED_MARKS if mark in report.keywords)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A required part that was not even collected fails the run as well."""
    missing = [
        mark
        for mark, variable in REQUIRED_MARKS.items()
        if os.environ.get(variable) == "1" and mark not in _ran_marks
    ]
    if missing and exitstatus == 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"FAILED: no {', '.join(missing)} test passed, but CI requires them"
            )
        session.exitstatus = 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if item.get_closest_marker("postgres") and not on_postgres():
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: no test inherits another's attempts."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _test_settings(settings) -> None:
    # Fast passwords; client secrets keep their own hasher (OAUTH2_PROVIDER names it).
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "booking.api.client_secrets.ClientSecretHasher",
    ]
    # The manifest storage needs collectstatic; tests serve static files plainly.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def run_tasks(db) -> Callable[[], int]:
    """run_tasks() runs every due background task with the real worker code (`manage.py
    db_worker --batch`) until none is due, and returns how many ran (tests/background.py)."""
    return background.run_tasks


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def frozen_clock():
    """Pins the wall clock at NOW for code that reads timezone.now() itself."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class World:
    location: Location
    alice: Employee
    bob: Employee
    small_room: Room
    big_room: Room
    topic: MeetingTopic


@pytest.fixture
def world(db) -> World:
    """One Copenhagen branch open 08-18 on weekdays, two employees (09-17), two rooms."""
    loc = factories.location(name="Copenhagen")
    alice = factories.employee(location=loc, name="Alice")
    bob = factories.employee(location=loc, name="Bob")
    small = factories.room(location=loc, name="Small", capacity=2)
    big = factories.room(location=loc, name="Big", capacity=8)
    topic = factories.topic(name="Mortgage", employees=[alice, bob])
    return World(loc, alice, bob, small, big, topic)
