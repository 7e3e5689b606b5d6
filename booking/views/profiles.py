"""A booking profile's public page (/p/<slug>/, the scheduler link), and what the booking
flow needs to stay inside the profile once the customer chose from it (`?profile=<slug>`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from booking import catalog
from booking.errors import InvalidRequest
from booking.forms import offered_types
from booking.search import ProfileRestriction
from booking.services.profiles import check_profile_offers, profile_window
from booking.views.rendering import HtmxHttpRequest, render_page
from config_data.models import BookingProfile, Employee, MeetingTopic, MeetingType


def restriction_for(profile: BookingProfile) -> ProfileRestriction:
    """The profile's limits as a search takes them (its hours: one query)."""
    return ProfileRestriction(
        employee_ids=frozenset(e.pk for e in profile.owner_employees()),
        window=profile_window(profile),
        profile_id=profile.pk,
    )


def topic_holders(topic: MeetingTopic, owners: list[Employee]) -> list[Employee]:
    """The profile's owners who hold the topic (the kept configuration: no query)."""
    config = catalog.current()
    return [e for e in owners if config.topic_has_employee(topic, e.pk)]


def profile_topics(profile: BookingProfile, owners: list[Employee]) -> list[MeetingTopic]:
    """The profile's topics customers can book and one of its owners holds. Filtered here,
    so a prefetch of "topics" serves a whole list of profiles; no order_by: the topic's own
    ordering is the name as shown (config_data/translation.py)."""
    return [
        topic
        for topic in profile.topics.all()
        if topic.active and topic.customer_bookable and topic_holders(topic, owners)
    ]


def profiles_with_owners() -> QuerySet[BookingProfile]:
    """Profiles with what is_open_at and owner_employees read (zones need the locations)."""
    return BookingProfile.objects.select_related("employee__location", "team").prefetch_related(
        Prefetch("team__employees", queryset=Employee.objects.select_related("location"))
    )


@dataclass(frozen=True)
class ProfileChoice:
    """A flow request made through a profile: the profile, its limits and the duration."""

    profile: BookingProfile
    restriction: ProfileRestriction
    duration: int

    def narrow(self, employees: list[Employee]) -> list[Employee]:
        return [e for e in employees if e.pk in self.restriction.employee_ids]


def open_profile(slug: str, now: datetime) -> BookingProfile | None:
    """The profile if its page is open now: switched on and inside its period on the
    employee's day (BookingProfile.is_open_at)."""
    profile = profiles_with_owners().filter(slug=slug, active=True).first()
    return profile if profile is not None and profile.is_open_at(now) else None


def profile_choice(data: QueryDict, topic: MeetingTopic) -> ProfileChoice | None:
    """`?profile=<slug>&duration=<minutes>` of a flow request, checked: None without a
    profile; a 404 for a closed or unknown profile, a topic it does not offer or a
    duration it does not offer (a stale or edited link)."""
    slug = data.get("profile")
    if not slug:
        return None
    profile = open_profile(slug, timezone.now())
    if profile is None:
        raise Http404("This booking page is not open.")
    value = data.get("duration") or str(profile.duration_minutes(topic)[0])
    minutes = int(value) if value.isascii() and value.isdigit() else 0
    try:
        check_profile_offers(profile, topic=topic, minutes=minutes)
    except InvalidRequest:
        raise Http404("This booking page does not offer this topic or duration.") from None
    return ProfileChoice(profile=profile, restriction=restriction_for(profile), duration=minutes)


@dataclass(frozen=True)
class ProfileTopic:
    """A topic as the profile's page offers it: its durations and the meeting types."""

    topic: MeetingTopic
    durations: list[int]
    types: list[tuple[str, str]]
    categories: list


@require_safe
def profile_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The owner, the title, and per topic a form into the picker, kept to the profile.

    A profile that is switched off or outside its period answers 404 with a page that
    says so; an unknown address is the site's 404.
    """
    found = (
        profiles_with_owners()
        .prefetch_related("topics__customer_categories")
        .filter(slug=slug)
        .first()
    )
    if found is None:
        raise Http404("No such booking page.")
    owners = found.owner_employees()
    if not found.is_open_at(timezone.now(), owners):
        return render_page(
            request, "booking/profile.html", {"profile": found, "closed": True}, status=404
        )
    cards = [
        ProfileTopic(
            topic=topic,
            durations=found.duration_minutes(topic),
            # Only who holds the topic can give it: a team member's other types are not offered.
            types=[
                (t, str(MeetingType(t).label))
                for t in offered_types(topic, topic_holders(topic, owners))
            ],
            categories=list(topic.customer_categories.all()),
        )
        for topic in profile_topics(found, owners)
    ]
    context = {
        "profile": found,
        "closed": False,
        "owners": owners,
        "cards": [card for card in cards if card.types],
        "page_url": request.build_absolute_uri(reverse("booking:profile", args=[found.slug])),
    }
    return render_page(request, "booking/profile.html", context)
