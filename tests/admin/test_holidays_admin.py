"""Public holidays in the admin: choosing a country imports them, an action imports again,
and staff open on a holiday (and close again) instead of deleting it, alone or in bulk."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.contrib.admin import site
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from booking import roles
from config_data.holidays import sync_public_holidays
from config_data.models import ClosedDay, ClosedDaySource, Location
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
CHRISTMAS = date(2026, 12, 25)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin_client(client, django_user_model) -> Client:
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    return client


def _post_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def change_form_data(page: Any) -> dict[str, Any]:
    """What the browser would post back unchanged: the form's and every inline's values."""
    data: dict[str, Any] = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.append(formset.management_form)
        forms += list(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is False or (value is None and name == "DELETE"):
                continue
            data[form.add_prefix(name)] = "on" if value is True else _post_value(value)
    return data


def location_page(client: Client, location: Location) -> tuple[str, dict[str, Any]]:
    url = reverse("admin:config_data_location_change", args=[location.pk])
    page = client.get(url)
    assert page.status_code == 200
    return url, change_form_data(page)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def inline_row(data: dict[str, Any], day: ClosedDay) -> str:
    """The prefix of the closed-days inline row that holds this day."""
    for key, value in data.items():
        if key.startswith("closed_days-") and key.endswith("-id") and value == str(day.pk):
            return key.removesuffix("-id")
    raise AssertionError(f"{day} is not in the form")


def test_choosing_a_country_imports_its_holidays_with_a_message(admin_client):
    """Saving DK on the location imports 20 days and says so; saving again without changing
    the country imports nothing and says nothing about holidays."""
    location = factories.location()
    url, data = location_page(admin_client, location)
    data["holiday_country"] = "DK"
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert ClosedDay.objects.filter(location=location).count() == 20
    assert any("Days added: 20" in m for m in messages_of(response))
    url, data = location_page(admin_client, location)
    response = admin_client.post(url, data, follow=True)
    assert not any("Days added" in m for m in messages_of(response))


def test_a_region_that_does_not_fit_is_a_field_error_and_imports_nothing(admin_client):
    """DE with region ZZ: the form comes back with the error on the region field."""
    location = factories.location()
    url, data = location_page(admin_client, location)
    data.update(holiday_country="DE", holiday_subdivision="ZZ")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["holiday_subdivision"]
    assert not ClosedDay.objects.filter(location=location).exists()


def test_an_unknown_country_is_a_field_error(admin_client):
    """A hand-made POST with a country not on the list: the field's error, no 500."""
    location = factories.location()
    url, data = location_page(admin_client, location)
    data["holiday_country"] = "XX"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "holiday_country" in response.context["adminform"].form.errors


def test_the_import_action_imports_and_warns_for_a_location_without_a_country(admin_client):
    """The action on two locations: the Danish one gets its holidays (and a message with
    the counts), the one without a country gets a warning and nothing."""
    danish = factories.location(holiday_country="DK", name="Danish")
    plain = factories.location(name="Plain")
    response = admin_client.post(
        reverse("admin:config_data_location_changelist"),
        {"action": "import_public_holidays", "_selected_action": [danish.pk, plain.pk]},
        follow=True,
    )
    said = messages_of(response)
    assert any("Danish" in m and "Days added: 20, removed: 0" in m for m in said)
    assert any("Plain takes no public holidays" in m for m in said)
    assert ClosedDay.objects.filter(location=danish).count() == 20
    assert not ClosedDay.objects.filter(location=plain).exists()


def test_a_branch_manager_imports_only_for_their_branch(admin_client, django_user_model):
    """Another branch's location posted to the action is not in the manager's list: untouched."""
    own = factories.location(holiday_country="DK", name="Own")
    other = factories.location(holiday_country="DK", name="Other")
    user = django_user_model.objects.create_user("manager", "m@example.com", "pw")
    factories.employee(location=own, user=user, email="m@bank.example")
    roles.role_assign(user, [roles.BRANCH_MANAGER])
    client = Client()
    client.force_login(user)
    client.post(
        reverse("admin:config_data_location_changelist"),
        {"action": "import_public_holidays", "_selected_action": [own.pk, other.pk]},
    )
    assert ClosedDay.objects.filter(location=own).count() == 20
    assert not ClosedDay.objects.filter(location=other).exists()


@pytest.fixture
def danish(admin_client) -> Location:
    location = factories.location(holiday_country="DK")
    sync_public_holidays(location, today=NOW.date())
    return location


def test_opening_on_a_holiday_in_the_inline_lasts_and_deleting_it_is_refused(admin_client, danish):
    """Ticking "open anyway" on Christmas in the location's form saves it; deleting an
    imported holiday there is refused with a message pointing to "open anyway"."""
    christmas = ClosedDay.objects.get(location=danish, date=CHRISTMAS)
    url, data = location_page(admin_client, danish)
    data[f"{inline_row(data, christmas)}-open_anyway"] = "on"
    assert admin_client.post(url, data).status_code == 302
    christmas.refresh_from_db()
    assert christmas.open_anyway

    new_year = ClosedDay.objects.get(location=danish, date=date(2027, 1, 1))
    url, data = location_page(admin_client, danish)
    data[f"{inline_row(data, new_year)}-DELETE"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "open anyway" in response.content.decode()
    assert ClosedDay.objects.filter(pk=new_year.pk).exists()


def test_a_manual_day_added_in_the_inline_on_a_holiday_stays_manual(admin_client):
    """Staff choose DK and add a closed day on Christmas in the same save: the day is theirs
    (manual, their reason); the import adds the other 19."""
    location = factories.location()
    url, data = location_page(admin_client, location)
    data["holiday_country"] = "DK"
    data.update(
        {
            "closed_days-TOTAL_FORMS": "1",
            "closed_days-0-date": "2026-12-25",
            "closed_days-0-reason": "Staff party",
            "closed_days-0-location": str(location.pk),
        }
    )
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    christmas = ClosedDay.objects.get(location=location, date=CHRISTMAS)
    assert (christmas.source, christmas.reason) == (ClosedDaySource.MANUAL, "Staff party")
    assert ClosedDay.objects.filter(location=location).count() == 20
    assert any("Days added: 19" in m for m in messages_of(response))


def test_a_manual_day_cannot_be_marked_open(admin_client):
    """Open anyway on a day staff added: the field's error, and the day stays closed."""
    location = factories.location()
    day = ClosedDay.objects.create(location=location, date=date(2026, 8, 3), reason="Moving")
    url, data = location_page(admin_client, location)
    data[f"{inline_row(data, day)}-open_anyway"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Only an imported public holiday can be opened" in response.content.decode()
    day.refresh_from_db()
    assert not day.open_anyway


def test_the_closed_day_actions_open_and_close_again(admin_client, danish):
    """'Open on the selected public holidays' opens them; a manual day among them is left
    closed with a warning; 'Close again' restores; the list shows the source."""
    christmas = ClosedDay.objects.get(location=danish, date=CHRISTMAS)
    manual = ClosedDay.objects.create(location=danish, date=date(2026, 8, 3), reason="Moving")
    changelist = reverse("admin:config_data_closedday_changelist")
    response = admin_client.post(
        changelist,
        {"action": "mark_open", "_selected_action": [christmas.pk, manual.pk]},
        follow=True,
    )
    said = messages_of(response)
    assert "Open on 1 public holiday after all." in said
    assert any("1 day was added by staff" in m for m in said)
    christmas.refresh_from_db()
    manual.refresh_from_db()
    assert christmas.open_anyway
    assert not manual.open_anyway
    assert "Public holiday" in response.content.decode()
    admin_client.post(changelist, {"action": "mark_closed", "_selected_action": [christmas.pk]})
    christmas.refresh_from_db()
    assert not christmas.open_anyway


def test_an_imported_holiday_cannot_be_deleted_but_a_manual_or_old_one_can(admin_client, danish):
    """Deleting an imported holiday of this year or next is forbidden (it would come back);
    a manual day, or an imported one from a past year, can go."""
    christmas = ClosedDay.objects.get(location=danish, date=CHRISTMAS)
    assert (
        admin_client.get(
            reverse("admin:config_data_closedday_delete", args=[christmas.pk])
        ).status_code
        == 403
    )
    old = ClosedDay.objects.create(
        location=danish, date=date(2025, 12, 25), source=ClosedDaySource.PUBLIC_HOLIDAY
    )
    manual = ClosedDay.objects.create(location=danish, date=date(2026, 8, 3))
    for day in (old, manual):
        response = admin_client.post(
            reverse("admin:config_data_closedday_delete", args=[day.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        assert not ClosedDay.objects.filter(pk=day.pk).exists()
    assert ClosedDay.objects.filter(pk=christmas.pk).exists()


def test_delete_selected_refuses_a_selection_holding_an_imported_holiday(admin_client, danish):
    """The "Delete selected" action on Christmas and a manual day: the confirmation says it
    may not, a confirmed post is forbidden, and both days are still there."""
    christmas = ClosedDay.objects.get(location=danish, date=CHRISTMAS)
    manual = ClosedDay.objects.create(location=danish, date=date(2026, 8, 3))
    changelist = reverse("admin:config_data_closedday_changelist")
    chosen = {"action": "delete_selected", "_selected_action": [christmas.pk, manual.pk]}
    confirmation = admin_client.post(changelist, chosen)
    assert confirmation.status_code == 200
    assert confirmation.context["perms_lacking"]
    assert admin_client.post(changelist, {**chosen, "post": "yes"}).status_code == 403
    assert ClosedDay.objects.filter(pk__in=[christmas.pk, manual.pk]).count() == 2


def test_delete_selected_deletes_manual_and_past_days(admin_client, danish):
    """The same action on a manual day and last year's imported one deletes both."""
    old = ClosedDay.objects.create(
        location=danish, date=date(2025, 12, 25), source=ClosedDaySource.PUBLIC_HOLIDAY
    )
    manual = ClosedDay.objects.create(location=danish, date=date(2026, 8, 3))
    response = admin_client.post(
        reverse("admin:config_data_closedday_changelist"),
        {"action": "delete_selected", "_selected_action": [old.pk, manual.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not ClosedDay.objects.filter(pk__in=[old.pk, manual.pk]).exists()


def test_the_admins_bulk_delete_itself_refuses_an_imported_holiday(rf, danish, admin_client):
    """delete_queryset, whoever calls it: a queryset holding an imported holiday of this year
    is refused whole (PermissionDenied, nothing deleted); one of manual days is deleted."""
    model_admin = site.get_model_admin(ClosedDay)
    request = rf.post("/")
    request.user = User.objects.get(username="boss")
    manual = ClosedDay.objects.create(location=danish, date=date(2026, 8, 3))
    both = ClosedDay.objects.filter(date__in=[CHRISTMAS, manual.date], location=danish)
    with pytest.raises(PermissionDenied):
        model_admin.delete_queryset(request, both)
    assert both.count() == 2
    model_admin.delete_queryset(request, ClosedDay.objects.filter(pk=manual.pk))
    assert not ClosedDay.objects.filter(pk=manual.pk).exists()
    assert ClosedDay.objects.filter(location=danish, date=CHRISTMAS).exists()
