"""Online and phone meetings in the customer's own zone: chosen, detected, remembered, shown."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from booking.models import Meeting
from booking.views.zones import SESSION_ZONE, ZONE_COOKIE
from tests.web.conftest import (
    answers_for,
    book,
    details_data,
    held_slot_id,
    hold,
    times_url,
)

# Tuesday 6 October 2026, 10:00 Copenhagen (CEST, until 25 October) = 08:00 UTC; Sydney
# moved to summer time (UTC+11) on 4 October, so 19:00 there (18:00 a week before).
AFTER_SYDNEY_DST = datetime(2026, 10, 6, 8, 0, tzinfo=UTC)
WEDNESDAY_TEN = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)


def picker_zone(response) -> str:
    return response.context["options"].zone.key


def page(client: Client, name: str, meeting: Meeting, *args) -> str:
    response = client.get(reverse(f"booking:{name}", args=[meeting.reference, *args]))
    assert response.status_code == 200, name
    return response.content.decode()


def test_chosen_zone_shows_online_times_in_it_and_is_remembered(client, bank):
    """The select's `tz` sets the picker's zone, and the session keeps it for later pages."""
    response = client.get(times_url(bank.topic, tz="America/New_York"))
    assert response.status_code == 200
    assert picker_zone(response) == "America/New_York"
    assert client.session[SESSION_ZONE] == "America/New_York"
    again = client.get(times_url(bank.topic))
    assert picker_zone(again) == "America/New_York"
    assert '<option value="America/New_York" selected>' in again.content.decode()


def test_browser_zone_is_used_until_the_customer_chooses(client, bank):
    """The zone the script reported (a cookie) applies; a choice in the select beats it."""
    client.cookies[ZONE_COOKIE] = "Asia/Tokyo"
    response = client.get(times_url(bank.topic))
    assert picker_zone(response) == "Asia/Tokyo"
    assert 'data-zone-source="browser"' in response.content.decode()
    client.get(times_url(bank.topic, tz="America/New_York"))
    response = client.get(times_url(bank.topic))
    assert picker_zone(response) == "America/New_York"
    assert 'data-zone-source="chosen"' in response.content.decode()


def test_without_any_zone_the_picker_keeps_the_branch_zone(client, bank):
    """Nothing known yet: the branch's zone, and the form tells the script to report one."""
    response = client.get(times_url(bank.topic))
    assert picker_zone(response) == "Europe/Copenhagen"
    html = response.content.decode()
    assert 'data-zone-source=""' in html
    assert '<option value="Europe/Copenhagen" selected>' in html


@pytest.mark.parametrize(
    "value",
    ["Mars/Olympus_Mons", "../../etc/passwd", "Europe/Copenhagen\x00", "<b>x</b>", "x" * 500],
)
def test_invalid_zone_is_ignored_with_a_notice(client, bank, value):
    """Never a 500: the value is named back (escaped, shortened) and the zone stays as it was."""
    client.get(times_url(bank.topic, tz="Asia/Tokyo"))
    response = client.get(times_url(bank.topic) + "&" + urlencode({"tz": value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "is not a time zone we know, so it was ignored." in html
    assert html_lib.escape(value[:64], quote=False) in html
    assert "<b>x</b>" not in html
    assert picker_zone(response) == "Asia/Tokyo"
    assert client.session[SESSION_ZONE] == "Asia/Tokyo"


def test_invalid_cookie_is_ignored(client, bank):
    """A tampered cookie is no zone: the branch's zone, no error."""
    client.cookies[ZONE_COOKIE] = "../../etc/passwd"
    response = client.get(times_url(bank.topic))
    assert response.status_code == 200
    assert picker_zone(response) == "Europe/Copenhagen"


def test_invalid_zone_notice_in_german(client, bank):
    """The notice is translated."""
    response = client.get(times_url(bank.topic, tz="Nowhere"), HTTP_ACCEPT_LANGUAGE="de")
    assert "„Nowhere“ ist keine uns bekannte Zeitzone und wurde ignoriert." in (
        response.content.decode()
    )


def test_physical_picker_ignores_the_customer_zone(client, bank):
    """In person the branch's zone decides; no zone select is offered."""
    response = client.get(
        times_url(
            bank.topic, type="physical", location=bank.world.location.pk, tz="America/New_York"
        )
    )
    assert response.status_code == 200
    assert picker_zone(response) == "Europe/Copenhagen"
    assert 'name="tz"' not in response.content.decode()


def zone_form(html: str) -> str:
    """The zone select's form, as the page or an HTMX swap renders it."""
    match = re.search(r"<form class=\"zone-choice\".*?</form>", html, re.S)
    assert match, "no zone form"
    return match.group(0)


def test_zone_form_keeps_the_pickers_choices(client, bank):
    """The GET form carries the picker's choices and the day it shows, not an old `tz`."""
    response = client.get(times_url(bank.topic, week="2026-06-08", tz="Asia/Tokyo"))
    form = zone_form(response.content.decode())
    assert '<input type="hidden" name="type" value="online">' in form
    assert '<input type="hidden" name="employee" value="any">' in form
    assert '<input type="hidden" name="day" value="2026-06-08">' in form
    assert 'name="week"' not in form
    assert '<input type="hidden" name="tz"' not in form


def test_zone_form_is_sent_by_its_button_only(client, bank):
    """Arrow keys and type-ahead in a select of ~600 zones fire "change" on every key: the
    form must not send itself then (WCAG 3.2.2); its button sends it."""
    form = zone_form(client.get(times_url(bank.topic)).content.decode())
    assert "data-autosubmit" not in form
    assert '<button type="submit"' in form
    assert "Show times in this zone" in form


def test_zone_form_keeps_the_choices_after_a_refused_hold(client, bank):
    """After a POST (no query string) the form still carries the category, type, branch,
    employee and the pressed time's day, so changing the zone loses none of them."""
    response = hold(
        client,
        bank.topic,
        datetime(2026, 6, 9, 6, 5, tzinfo=UTC),  # 08:05 Copenhagen: no such time offered
        category=bank.private.pk,
        employee=str(bank.alice.pk),
    )
    assert response.status_code == 409, response.status_code
    form = zone_form(response.content.decode())
    assert f'<input type="hidden" name="category" value="{bank.private.pk}">' in form
    assert '<input type="hidden" name="type" value="online">' in form
    assert f'<input type="hidden" name="employee" value="{bank.alice.pk}">' in form
    assert '<input type="hidden" name="day" value="2026-06-09">' in form
    invalid = client.post(
        reverse("booking:times", args=[bank.topic.pk]),
        {"category": bank.private.pk, "type": "online", "employee": "any", "start": "soon"},
    )
    assert invalid.status_code == 400
    form = zone_form(invalid.content.decode())
    assert f'<input type="hidden" name="category" value="{bank.private.pk}">' in form


def test_zone_form_follows_the_pickers_htmx_navigation(client, bank):
    """A day or month swapped in by HTMX brings its own zone form, pointing at that day or
    month, not the one the page was first loaded with."""
    client.get(times_url(bank.topic, day="2026-06-02"))
    swapped = client.get(times_url(bank.topic, day="2026-06-10"), HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200
    form = zone_form(swapped.content.decode())
    assert '<input type="hidden" name="day" value="2026-06-10">' in form
    assert "2026-06-02" not in form
    month = client.get(times_url(bank.topic, month="2026-07"), HTTP_HX_REQUEST="true")
    form = zone_form(month.content.decode())
    chosen = month.context["picker"].chosen
    if chosen is not None:
        assert f'<input type="hidden" name="day" value="{chosen.day.isoformat()}">' in form
    else:
        assert '<input type="hidden" name="month" value="2026-07">' in form
    assert "2026-06-10" not in form


def test_detected_zone_is_used_but_not_remembered_as_a_choice(client, bank):
    """The script reports the browser's zone as `tz_detected`: the picker shows it, the
    select says it came from the browser, and the session keeps no choice."""
    response = client.get(times_url(bank.topic, tz_detected="Asia/Tokyo"))
    assert picker_zone(response) == "Asia/Tokyo"
    assert 'data-zone-source="browser"' in response.content.decode()
    assert SESSION_ZONE not in client.session
    assert picker_zone(client.get(times_url(bank.topic))) == "Europe/Copenhagen"
    client.get(times_url(bank.topic, tz="America/New_York"))
    later = client.get(times_url(bank.topic, tz_detected="Asia/Tokyo"))
    assert picker_zone(later) == "America/New_York"  # a choice beats the browser
    bad = client.get(times_url(bank.topic, tz_detected="Mars/Olympus"))
    assert bad.status_code == 200
    assert "is not a time zone we know" not in bad.content.decode()  # nobody typed it


def test_booking_in_the_customers_zone_shows_it_everywhere(client, bank):
    """Details, confirmation, manage and cancel pages show New York times and say so;
    the meeting stores the zone."""
    client.get(times_url(bank.topic, tz="America/New_York"))
    slot_id = held_slot_id(hold(client, bank.topic))
    details = client.get(reverse("booking:details", args=[slot_id])).content.decode()
    assert "04:00–05:00" in details
    assert "(America/New_York)" in details
    assert "Times are in your time zone, America/New_York." in details
    response = client.post(
        reverse("booking:details", args=[slot_id]),
        {**details_data(), **answers_for(bank.topic)},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(time_slot_id=slot_id)
    assert meeting.customer_timezone == "America/New_York"
    for name in ("confirmed", "manage", "cancel"):
        html = page(client, name, meeting)
        assert '04:00–05:00 <span class="zone-name">(America/New_York)</span>' in html, name
        assert "Times are in your time zone, America/New_York." in html, name
        assert "10:00–11:00" not in html, name


def test_confirmation_in_german_names_the_zone(client, bank):
    """German customers read the same rule in German."""
    client.get(times_url(bank.topic, tz="America/New_York"))
    meeting = book(client, bank)
    response = client.get(
        reverse("booking:confirmed", args=[meeting.reference]), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert "Die Zeiten sind in Ihrer Zeitzone, America/New_York." in response.content.decode()


def test_physical_booking_keeps_the_branch_zone_on_every_page(client, bank):
    """A zone chosen earlier does not move an in-person meeting's times."""
    client.get(times_url(bank.topic, tz="America/New_York"))
    meeting = book(client, bank, meeting_type="physical", location=bank.world.location.pk)
    for name in ("confirmed", "manage", "cancel"):
        html = page(client, name, meeting)
        assert '10:00–11:00 <span class="zone-name">(Europe/Copenhagen)</span>' in html, name
        assert "Times are in the Europe/Copenhagen time zone." in html, name
        assert "America/New_York" not in html, name


def test_dst_change_in_the_customers_zone_only(client, bank):
    """Sydney is already on summer time, Copenhagen not yet: 10:00 there is 19:00 for the
    customer, on the details page and the confirmation alike."""
    client.get(times_url(bank.topic, tz="Australia/Sydney"))
    meeting = book(client, bank, AFTER_SYDNEY_DST)
    assert meeting.customer_timezone == "Australia/Sydney"
    html = page(client, "confirmed", meeting)
    assert "Tuesday, 6 October 2026" in html
    assert "19:00–20:00" in html
    # The deadline to change it is said in the same zone (24 hours before: Monday 19:00).
    assert "5 October 2026" in html
    assert "(Australia/Sydney)" in html


def test_reschedule_opens_in_the_booked_zone_in_another_browser(client, bank):
    """The manage link opened elsewhere (no session, other browser zone) shows the picker and
    the new time in the zone the meeting was booked in."""
    client.get(times_url(bank.topic, tz="America/New_York"))
    meeting = book(client, bank)
    other = Client()
    other.cookies[ZONE_COOKIE] = "Asia/Tokyo"
    response = other.get(reverse("booking:reschedule", args=[meeting.reference]))
    assert response.status_code == 200
    assert picker_zone(response) == "America/New_York"
    assert '<option value="America/New_York" selected>' in response.content.decode()
    moved = other.post(
        reverse("booking:reschedule", args=[meeting.reference]),
        {"employee": str(bank.alice.pk), "start": WEDNESDAY_TEN.isoformat()},
    )
    assert moved.status_code == 302, moved.content.decode()[:500]
    html = other.get(moved["Location"]).content.decode()
    assert "04:00–05:00" in html
    assert "Times are in your time zone, America/New_York." in html


def test_reschedule_zone_can_be_changed(client, bank):
    """The select works on the reschedule page too, and an invalid value is refused there.
    The zone the picker showed is the one the confirmation, the moved meeting and its
    pages use: Tokyo throughout, not the New York it was booked in."""
    client.get(times_url(bank.topic, tz="America/New_York"))
    meeting = book(client, bank)
    url = reverse("booking:reschedule", args=[meeting.reference])
    assert picker_zone(client.get(url, {"tz": "Asia/Tokyo"})) == "Asia/Tokyo"
    refused = client.get(url, {"tz": "Asia/Atlantis"})
    assert refused.status_code == 200
    assert "is not a time zone we know" in refused.content.decode()
    assert picker_zone(refused) == "Asia/Tokyo"
    held = client.post(url, {"employee": str(bank.alice.pk), "start": WEDNESDAY_TEN.isoformat()})
    assert held.status_code == 302, held.content.decode()[:500]
    confirm = client.get(held["Location"])
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert '17:00–18:00 <span class="zone-name">(Asia/Tokyo)</span>' in html
    assert "Times are in your time zone, Asia/Tokyo." in html
    assert "America/New_York" not in html
    moved = client.post(held["Location"])
    assert moved.status_code == 302
    meeting.refresh_from_db()
    assert meeting.customer_timezone == "Asia/Tokyo"
    manage = page(client, "manage", meeting)
    assert '17:00–18:00 <span class="zone-name">(Asia/Tokyo)</span>' in manage
    assert "Times are in your time zone, Asia/Tokyo." in manage


def test_a_zone_only_detected_does_not_move_the_booked_zone(client, bank):
    """Another browser's detected zone does not replace the zone the meeting was booked
    in: the move keeps New York, on the confirmation and afterwards."""
    client.get(times_url(bank.topic, tz="America/New_York"))
    meeting = book(client, bank)
    other = Client()
    other.cookies[ZONE_COOKIE] = "Asia/Tokyo"
    url = reverse("booking:reschedule", args=[meeting.reference])
    held = other.post(url, {"employee": str(bank.alice.pk), "start": WEDNESDAY_TEN.isoformat()})
    assert held.status_code == 302
    assert "04:00–05:00" in other.get(held["Location"]).content.decode()
    other.post(held["Location"])
    meeting.refresh_from_db()
    assert meeting.customer_timezone == "America/New_York"


def test_my_meetings_lists_times_in_the_customers_zone(client, bank):
    """The signed-in customer's list uses the same rule, and names the zone."""
    carla = get_user_model().objects.create_user("carla", "carla@example.com", "pw")
    client.force_login(carla)
    client.get(times_url(bank.topic, tz="Asia/Tokyo"))
    book(client, bank)
    html = client.get(reverse("booking:my_meetings")).content.decode()
    assert '17:00–18:00 <span class="zone-name">(Asia/Tokyo)</span>' in html
