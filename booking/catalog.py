"""The configuration a search needs, read once per change instead of once per request.

Topics, employees, rooms, their hours, closed days and absences change a few times a day;
searches run many times a second. Each process keeps one snapshot of them together with
ConfigVersion's token, and a search first asks the database for the token (one indexed
read of one row): while it is the same, the snapshot is still exact, because database
triggers (config_data/triggers.py) give the token a new value in the same transaction as
any change, whichever way it was written. Time slots (who is busy) are never cached.
"""

from __future__ import annotations

import gc
import threading
from collections import defaultdict
from collections.abc import Collection
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from config_data.models import (
    Absence,
    ClosedDay,
    ConfigVersion,
    CustomerCategory,
    Employee,
    InformationQuestion,
    MeetingTopic,
    OpeningHours,
    Room,
    RoomFeature,
    WorkingHours,
)

# Past absences and closed days matter to no search of free times (nothing is offered
# before now); a margin covers a slot's buffers and the search's day margins.
PAST_MARGIN = timedelta(days=3)

# Employee or location id -> weekday -> local (start, end) times, in start order.
WeeklyHours = dict[int, dict[int, list[tuple[time, time]]]]


@dataclass(frozen=True)
class Catalog:
    """One consistent reading of the configuration. Its objects are shared between
    requests: read them, never change or save them."""

    token: str
    topics: dict[int, MeetingTopic]
    topic_categories: dict[int, frozenset[int]]
    topic_employees: dict[int, frozenset[int]]
    categories: dict[int, CustomerCategory]
    employees: dict[int, Employee]  # with their location
    rooms: dict[int, Room]  # with their location
    features: dict[int, RoomFeature]
    room_features: dict[int, frozenset[int]]  # room id -> its feature ids
    topic_room_features: dict[int, frozenset[int]]  # topic id -> the features it requires
    working_hours: WeeklyHours
    opening_hours: WeeklyHours
    closed_days: dict[int, frozenset[date]]
    absences: dict[int, list[tuple[datetime, datetime]]]
    questions: dict[int, list[InformationQuestion]]  # per topic, in their order
    # Absences and closed days are kept from here on; a window reaching further back
    # (history, tests on a fixed date) is read from the database instead (time_off).
    since: datetime

    def topic_questions(self, topic: MeetingTopic) -> list[InformationQuestion]:
        return self.questions.get(topic.pk, [])

    def topic_has_employee(self, topic: MeetingTopic, employee_id: int) -> bool:
        return employee_id in self.topic_employees.get(topic.pk, ())

    def bookable_employees(self, topic: MeetingTopic | None) -> list[Employee]:
        """Active employees (of the topic, if given), by id: as Employee.objects.bookable()."""
        ids = self.topic_employees.get(topic.pk, frozenset()) if topic else self.employees.keys()
        return [self.employees[pk] for pk in sorted(ids) if self.employees[pk].active]

    def active_rooms(self) -> list[Room]:
        return [room for _, room in sorted(self.rooms.items()) if room.active]

    # The one rule of rooms by feature: the search offers, and a hold takes, only a room
    # that has every feature the topic requires and every one asked for besides.
    def required_room_features(
        self, topic: MeetingTopic | None, asked: frozenset[int] | None = None
    ) -> frozenset[int]:
        required = self.topic_room_features.get(topic.pk, frozenset()) if topic else frozenset()
        return required | asked if asked else required

    def room_has_features(self, room_id: int, required: frozenset[int]) -> bool:
        return required <= self.room_features.get(room_id, frozenset())

    def active_topic(self, pk: int | None) -> MeetingTopic | None:
        topic = self.topics.get(pk) if pk is not None else None
        return topic if topic is not None and topic.active else None

    def topic_allows_category(self, topic: MeetingTopic, category_id: int | None) -> bool:
        allowed = self.topic_categories.get(topic.pk, frozenset())
        return not allowed or category_id in allowed

    def absences_between(
        self, employee_id: int, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        return [(a, b) for a, b in self.absences.get(employee_id, ()) if a < end and b > start]

    def time_off(
        self,
        *,
        employee_ids: Collection[int],
        location_ids: Collection[int],
        start: datetime,
        end: datetime,
    ) -> TimeOff:
        """The absences and closed days a search of [start, end) needs, for any window.

        From the snapshot when it keeps the whole window (no query); a window starting
        before `since` reads its own from the database (two queries, whatever its size).
        """
        if start >= self.since:
            return TimeOff(
                absences={pk: self.absences_between(pk, start, end) for pk in employee_ids},
                closed_days=self.closed_days,
            )
        return TimeOff(
            absences=_absences_between(employee_ids, start, end),
            closed_days=_closed_days_between(location_ids, start, end),
        )


@dataclass(frozen=True)
class TimeOff:
    """Employee id -> their absences; location id -> its closed days (local dates)."""

    absences: dict[int, list[tuple[datetime, datetime]]]
    closed_days: dict[int, frozenset[date]]


def _absences_between(
    employee_ids: Collection[int], start: datetime, end: datetime
) -> dict[int, list[tuple[datetime, datetime]]]:
    found: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for employee_id, away_from, away_until in (
        Absence.objects.filter(employee_id__in=employee_ids, start__lt=end, end__gt=start)
        .values_list("employee_id", "start", "end")
        .order_by()
    ):
        found[employee_id].append((away_from, away_until))
    return found


def _closed_days_between(
    location_ids: Collection[int], start: datetime, end: datetime
) -> dict[int, frozenset[date]]:
    # A day either side: closed days are local dates, the window is UTC.
    found: dict[int, set[date]] = defaultdict(set)
    for location_id, day in (
        ClosedDay.objects.closed()
        .filter(
            location_id__in=location_ids,
            date__gte=(start - timedelta(days=1)).date(),
            date__lte=(end + timedelta(days=1)).date(),
        )
        .values_list("location_id", "date")
        .order_by()
    ):
        found[location_id].add(day)
    return {k: frozenset(v) for k, v in found.items()}


_lock = threading.Lock()
_snapshot: Catalog | None = None


def current_token() -> str:
    """The configuration's version now, as this transaction sees it ("" if the row is gone)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {ConfigVersion._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else ""


# Within one request the token is read once: a search, its lookups and its checks all
# ask for the catalog, and the configuration does not change under a request unless the
# request changes it itself, which Django's model signals report (see _forget_in_request).
_in_request: ContextVar[bool] = ContextVar("bookme_catalog_in_request", default=False)
_request_catalog: ContextVar[Catalog | None] = ContextVar("bookme_request_catalog", default=None)


def current() -> Catalog:
    """The configuration as of now: the kept snapshot while the token is unchanged."""
    if _in_request.get():
        kept = _request_catalog.get()
        if kept is None:
            kept = _current()
            _request_catalog.set(kept)
        return kept
    return _current()


def _current() -> Catalog:
    global _snapshot
    token = current_token()
    snapshot = _snapshot
    if snapshot is not None and token and snapshot.token == token:
        return snapshot
    loaded = _load(token)
    if token:  # no token (a flushed test database): nothing to compare with, keep nothing
        with _lock:
            _snapshot = loaded
        _settle()
    return loaded


def _settle() -> None:
    """Take the kept snapshot (and what else lives long) out of the garbage collector's
    view: otherwise each of its full passes walks thousands of kept objects, and a 14-day
    search paid up to 80 ms for it every few requests (docs/performance.md, p95). Garbage
    is collected first, so that nothing collectable is frozen; snapshots hold no cycles,
    so a replaced one is still freed by reference counting."""
    gc.collect()
    gc.freeze()


@receiver(request_started, dispatch_uid="bookme_catalog_request_started")
def _request_began(**kwargs: object) -> None:
    _in_request.set(True)
    _request_catalog.set(None)


@receiver(request_finished, dispatch_uid="bookme_catalog_request_finished")
def _request_ended(**kwargs: object) -> None:
    _in_request.set(False)
    _request_catalog.set(None)


def _forget_in_request(sender: type, **kwargs: object) -> None:
    """A request that changed configuration reads the token again (which the triggers
    changed). Bulk or raw writes send no signal: a request that makes those and then
    searches must call forget()."""
    meta = getattr(sender, "_meta", None)
    if meta is not None and meta.app_label == "config_data":
        _request_catalog.set(None)


post_save.connect(_forget_in_request, dispatch_uid="bookme_catalog_saved")
post_delete.connect(_forget_in_request, dispatch_uid="bookme_catalog_deleted")
m2m_changed.connect(_forget_in_request, dispatch_uid="bookme_catalog_m2m")


def forget() -> None:
    """Drop the kept snapshot (tests that change the database behind the triggers' back)."""
    global _snapshot
    with _lock:
        _snapshot = None
    _request_catalog.set(None)


def _load(token: str) -> Catalog:
    """Everything, one query per table: a constant number of queries at any size."""
    since = timezone.now() - PAST_MARGIN
    topics = {t.pk: t for t in MeetingTopic.objects.order_by()}
    topic_categories: dict[int, set[int]] = defaultdict(set)
    for topic_id, category_id in MeetingTopic.customer_categories.through.objects.values_list(
        "meetingtopic_id", "customercategory_id"
    ).order_by():
        topic_categories[topic_id].add(category_id)
    topic_employees: dict[int, set[int]] = defaultdict(set)
    for topic_id, employee_id in MeetingTopic.employees.through.objects.values_list(
        "meetingtopic_id", "employee_id"
    ).order_by():
        topic_employees[topic_id].add(employee_id)

    working: WeeklyHours = defaultdict(lambda: defaultdict(list))
    for employee_id, weekday, start, end in WorkingHours.objects.values_list(
        "employee_id", "weekday", "start", "end"
    ).order_by("employee_id", "weekday", "start"):
        working[employee_id][weekday].append((start, end))
    opening: WeeklyHours = defaultdict(lambda: defaultdict(list))
    for location_id, weekday, opens, closes in OpeningHours.objects.values_list(
        "location_id", "weekday", "opens", "closes"
    ).order_by("location_id", "weekday", "opens"):
        opening[location_id][weekday].append((opens, closes))

    closed: dict[int, set[date]] = defaultdict(set)
    for location_id, day in (
        ClosedDay.objects.closed()
        .filter(date__gte=since.date())
        .values_list("location_id", "date")
        .order_by()
    ):
        closed[location_id].add(day)
    absences: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for employee_id, away_from, away_until in (
        Absence.objects.filter(end__gt=since)
        .values_list("employee_id", "start", "end")
        .order_by("employee_id", "start")
    ):
        absences[employee_id].append((away_from, away_until))

    room_features: dict[int, set[int]] = defaultdict(set)
    for room_id, feature_id in Room.features.through.objects.values_list(
        "room_id", "roomfeature_id"
    ).order_by():
        room_features[room_id].add(feature_id)
    topic_room_features: dict[int, set[int]] = defaultdict(set)
    for topic_id, feature_id in MeetingTopic.required_room_features.through.objects.values_list(
        "meetingtopic_id", "roomfeature_id"
    ).order_by():
        topic_room_features[topic_id].add(feature_id)

    questions: dict[int, list[InformationQuestion]] = defaultdict(list)
    for question in InformationQuestion.objects.order_by("topic_id", "position", "pk"):
        questions[question.topic_id].append(question)

    return Catalog(
        token=token,
        topics=topics,
        topic_categories={k: frozenset(v) for k, v in topic_categories.items()},
        topic_employees={k: frozenset(v) for k, v in topic_employees.items()},
        categories={c.pk: c for c in CustomerCategory.objects.order_by()},
        employees={e.pk: e for e in Employee.objects.select_related("location").order_by()},
        rooms={r.pk: r for r in Room.objects.select_related("location").order_by()},
        features={f.pk: f for f in RoomFeature.objects.order_by()},
        room_features={k: frozenset(v) for k, v in room_features.items()},
        topic_room_features={k: frozenset(v) for k, v in topic_room_features.items()},
        working_hours={k: dict(v) for k, v in working.items()},
        opening_hours={k: dict(v) for k, v in opening.items()},
        closed_days={k: frozenset(v) for k, v in closed.items()},
        absences=dict(absences),
        questions=dict(questions),
        since=since,
    )
