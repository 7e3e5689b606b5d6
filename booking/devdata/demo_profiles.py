"""The demo's booking profile: an adviser's own booking page, shown in their My schedule."""

from __future__ import annotations

from datetime import time

from config_data.models import BookingProfile, Employee, MeetingTopic, ProfileHours

DEMO_ADVISER = "Mikkel Nielsen"
DEMO_SLUG = "mikkel-mortgage-call"


def load_demo_profile() -> BookingProfile | None:
    """Mikkel's "Quick mortgage call": online or in person, 30 or 60 minutes, mornings only,
    asking the customer's name and (optionally) the home's address. Loading it again
    changes nothing."""
    adviser = Employee.objects.filter(name=DEMO_ADVISER).first()
    topic = MeetingTopic.objects.filter(name="Mortgage advice").first()
    if adviser is None or topic is None:
        return None
    profile, _ = BookingProfile.objects.update_or_create(
        slug=DEMO_SLUG,
        defaults={
            "employee": adviser,
            "team": None,
            "title": "Quick mortgage call with Mikkel",
            "durations": [30, 60],
            "active": True,
            "subject_template": "Mortgage call with {{name}}",
            "description_template": (
                "Home: {{address|not chosen yet}}\nWhat {{name}} would like to discuss first: "
                "{{first_question|anything}}"
            ),
            "online_meeting_link": "https://meet.example.com/bookme-{reference}",
        },
    )
    profile.topics.set([topic])
    wanted = {(weekday, time(9), time(12)) for weekday in range(5)}
    if set(profile.hours.values_list("weekday", "start", "end")) != wanted:
        profile.hours.all().delete()
        ProfileHours.objects.bulk_create(
            ProfileHours(profile=profile, weekday=d, start=s, end=e) for d, s, e in sorted(wanted)
        )
    return profile


def profile_lines(profile: BookingProfile | None) -> list[str]:
    if profile is None:
        return []
    return [
        f"Booking page: http://127.0.0.1:8000/p/{profile.slug}/ "
        f"({profile.owner_name}; the link is in their My schedule)"
    ]
