"""The staff workspace's addresses; mounted at /staff/."""

from __future__ import annotations

from django.urls import URLPattern, path

from booking.staff import absences, calendar, home, meetings, phone
from booking.staff import feeds as staff_feeds
from booking.staff import reports as staff_reports

app_name = "staff"

urlpatterns: list[URLPattern] = [
    path("", home.home, name="home"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("meetings/<int:meeting_id>/", meetings.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/cancel/", meetings.cancel, name="meeting_cancel"),
    path("book/", phone.book, name="phone_booking"),
    path("book/<int:slot_id>/", phone.details, name="phone_booking_details"),
    path("book/<int:slot_id>/release/", phone.release, name="phone_booking_release"),
    path("book/done/<slug:reference>/", phone.done, name="phone_booking_done"),
    path("absences/", absences.absences, name="absences"),
    path("absences/<int:absence_id>/", absences.absence, name="absence"),
    path("feed/", staff_feeds.feed_settings, name="feed"),
    path("feed/create/", staff_feeds.feed_create, name="feed_create"),
    path("feed/options/", staff_feeds.feed_options, name="feed_options"),
    path("feed/rotate/", staff_feeds.feed_rotate, name="feed_rotate"),
    path("feed/revoke/", staff_feeds.feed_revoke, name="feed_revoke"),
    # Public: calendar apps fetch it without signing in; the token is the key.
    path("feed/<str:token>.ics", staff_feeds.feed_ics, name="feed_ics"),
    path("reports/", staff_reports.report_page, name="reports"),
    path("reports/meetings.csv", staff_reports.report_csv, name="reports_csv"),
]
