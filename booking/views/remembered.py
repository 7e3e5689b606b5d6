"""What the booking flow remembers of a customer's earlier choices, to offer them again:
the customer category (landing) and the branch (options). Kept in the session, so guests
get it too; for a signed-in customer their meetings say it as well, across sessions."""

from __future__ import annotations

from django.db.models import QuerySet

from booking.models import Meeting
from booking.views.rendering import HtmxHttpRequest
from config_data.models import CustomerCategory, Location, MeetingType

CATEGORY_KEY = "booking_category"
BRANCH_KEY = "booking_branch"


def _remember(request: HtmxHttpRequest, key: str, pk: int | None) -> None:
    # Only a change is written: an unchanged session is not saved again on every page.
    if pk is not None and request.session.get(key) != pk:
        request.session[key] = pk


def _session_pk(request: HtmxHttpRequest, key: str) -> int | None:
    value = request.session.get(key)
    return value if isinstance(value, int) else None


def remember_category(request: HtmxHttpRequest, category: CustomerCategory | None) -> None:
    _remember(request, CATEGORY_KEY, category.pk if category else None)


def remembered_category(
    request: HtmxHttpRequest, categories: list[CustomerCategory]
) -> CustomerCategory | None:
    """The category chosen last in this session, else the one a signed-in customer booked
    with last; None when neither is (still) one of `categories`."""
    by_pk = {c.pk: c for c in categories}
    chosen = _session_pk(request, CATEGORY_KEY)
    if chosen in by_pk:
        return by_pk[chosen]
    if request.user.is_authenticated:
        booked_with = (
            Meeting.objects.confirmed()
            .filter(customer__user=request.user, customer_category__in=list(by_pk))
            .order_by("-created_at")
            .values_list("customer_category_id", flat=True)
            .first()
        )
        if booked_with is not None:
            return by_pk[booked_with]
    return None


def remember_branch(request: HtmxHttpRequest, location: Location | None) -> None:
    """The branch chosen for an in-person meeting (the picker calls this)."""
    _remember(request, BRANCH_KEY, location.pk if location else None)


def remembered_branch(request: HtmxHttpRequest, branches: QuerySet[Location]) -> Location | None:
    """Of the `branches` offered: the branch chosen last in this session, else where a
    signed-in customer's latest in-person meeting is; None without either signal. The
    same order as the category: what was chosen just now beats what was booked before."""
    candidates: list[int] = []
    session_branch = _session_pk(request, BRANCH_KEY)
    if session_branch is not None:
        candidates.append(session_branch)
    if request.user.is_authenticated:
        last = (
            Meeting.objects.confirmed()
            .filter(customer__user=request.user, meeting_type=MeetingType.PHYSICAL)
            .order_by("-created_at")
            .values_list("time_slot__room__location_id", "time_slot__employee__location_id")
            .first()
        )
        if last is not None:
            # The room's branch is where they met; an employee's is the fallback.
            candidates.extend(pk for pk in last if pk is not None)
    if not candidates:
        return None
    offered = {b.pk: b for b in branches.filter(pk__in=candidates)}
    return next((offered[pk] for pk in candidates if pk in offered), None)
