"""Admin fit and finish: zones from a list, times in the object's zone, no server-time
notes, no internal wording. (That the meetings list fits 1280 px is measured in a real
browser: tests/browser/test_admin_fit.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from config_data.models import Absence, OpeningHours, WeeklyInterval, WorkingHours
from tests import factories


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "inherited"), [("location", False), ("room", True), ("employee", True)]
)
def test_time_zones_are_chosen_from_the_iana_list(superuser_client, model, inherited):
    """A select of IANA names; rooms and employees may leave it blank (the location's)."""
    page = superuser_client.get(reverse(f"admin:config_data_{model}_add"))
    field = page.context["adminform"].form.fields["timezone"]
    assert isinstance(field.widget, forms.Select)
    values = [value for value, _ in field.widget.choices]
    assert "Europe/Copenhagen" in values
    assert "America/New_York" in values
    assert ("" in values) is inherited


@pytest.mark.django_db
def test_a_zone_not_on_the_list_is_refused_naming_the_field(superuser_client):
    """A hand-made POST with a made-up zone gets the field's error, not a 500."""
    response = superuser_client.post(
        reverse("admin:config_data_location_add"),
        {
            "name_en": "Nowhere",
            "timezone": "Mars/Olympus",
            "opening_hours-TOTAL_FORMS": "0",
            "opening_hours-INITIAL_FORMS": "0",
            "closed_days-TOTAL_FORMS": "0",
            "closed_days-INITIAL_FORMS": "0",
            "rooms-TOTAL_FORMS": "0",
            "rooms-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "timezone" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_absences_are_shown_and_read_in_the_employees_zone(superuser_client):
    """A New York employee's absence shows as New York time, without the admin's
    date-time shortcuts (whose "N hours behind server time" note is wrong here)."""
    employee = factories.employee(location=factories.location(timezone="America/New_York"))
    absence = Absence.objects.create(
        employee=employee,
        start=datetime(2026, 7, 1, 13, tzinfo=UTC),  # 09:00 in New York (EDT)
        end=datetime(2026, 7, 1, 21, tzinfo=UTC),
    )
    page = superuser_client.get(reverse("admin:config_data_absence_change", args=[absence.pk]))
    html = page.content.decode()
    assert 'value="09:00"' in html
    assert 'value="2026-07-01"' in html
    assert "Local time in America/New_York." in html
    assert "DateTimeShortcuts" not in html
    assert "vDateField" not in html
    response = superuser_client.post(
        reverse("admin:config_data_absence_change", args=[absence.pk]),
        {
            "employee": str(employee.pk),
            "start_0": "2026-07-01",
            "start_1": "10:00",
            "end_0": "2026-07-01",
            "end_1": "17:00",
            "reason": "Dentist",
        },
    )
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.start == datetime(2026, 7, 1, 14, tzinfo=UTC)


@pytest.mark.django_db
def test_the_employee_page_has_no_server_time_notes(superuser_client):
    """Hours and absences inline use plain date and time inputs: no DateTimeShortcuts."""
    employee = factories.employee(location=factories.location())
    page = superuser_client.get(reverse("admin:config_data_employee_change", args=[employee.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "DateTimeShortcuts" not in html
    assert 'type="time"' in html


def test_no_internal_wording_in_labels_or_help_texts():
    """No "seed" (the project's internal word) in any verbose name or help text."""
    found = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in ("config_data", "booking", "bookme_api")
        for field in model._meta.get_fields()
        if "seed" in str(getattr(field, "help_text", "")).lower()
        or "seed" in str(getattr(field, "verbose_name", "")).lower()
    ]
    assert found == []


@pytest.mark.django_db
def test_the_meetings_list_shows_times_in_the_branchs_zone(superuser_client, branches):
    """Branch one's 08:00 UTC meeting is listed at 10:00 CEST."""
    page = superuser_client.get(reverse("admin:booking_meeting_changelist"))
    assert "2026-06-02 10:00 CEST" in page.content.decode()


def test_opening_and_working_hours_share_the_weekly_interval_base():
    """One base: the weekday, the start-before-end rule and the text, with each model's
    own column names."""
    assert issubclass(OpeningHours, WeeklyInterval)
    assert issubclass(WorkingHours, WeeklyInterval)
    opening = OpeningHours(
        weekday=0, opens=datetime(2026, 1, 1, 9).time(), closes=datetime(2026, 1, 1, 8).time()
    )
    with pytest.raises(ValidationError) as refused:
        opening.clean()
    assert "closes" in refused.value.message_dict
    hours = WorkingHours(
        weekday=1, start=datetime(2026, 1, 1, 9).time(), end=datetime(2026, 1, 1, 17).time()
    )
    assert str(hours) == "Tuesday 09:00–17:00"
    assert hours.interval == (1, hours.start, hours.end)
