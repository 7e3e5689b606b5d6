"""The demo's booking profile: an adviser's page, shown in their My schedule, loaded once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from booking import roles
from booking.devdata.demo_profiles import DEMO_SLUG
from config_data.models import BookingProfile, ProfileHours


@pytest.mark.django_db
def test_load_demo_gives_an_adviser_a_profile_linked_in_my_schedule(frozen_clock):
    """An adviser's profile with hours and variables; its link printed and in My schedule;
    its page open; a second load changes nothing."""
    out = StringIO()
    call_command("load_demo", stdout=out)
    profile = BookingProfile.objects.select_related("employee__user").get(slug=DEMO_SLUG)
    adviser = profile.employee
    assert adviser is not None
    assert adviser.user.groups.filter(name=roles.ADVISER).exists()
    assert [f.name for f in profile.fields] == ["name", "address", "first_question"]
    assert profile.hours.count() == 5
    assert f"/p/{DEMO_SLUG}/" in out.getvalue()

    client = Client()
    client.force_login(adviser.user)
    schedule = client.get(reverse("booking:my_schedule")).content.decode()
    assert f"http://testserver/p/{DEMO_SLUG}/" in schedule
    assert client.get(f"/p/{DEMO_SLUG}/").status_code == 200

    hours_before = list(ProfileHours.objects.values_list("pk", flat=True))
    call_command("load_demo", stdout=StringIO())
    assert BookingProfile.objects.count() == 1
    assert list(ProfileHours.objects.values_list("pk", flat=True)) == hours_before
