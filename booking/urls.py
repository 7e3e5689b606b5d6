"""The customer website's addresses; mounted at the site root."""

from __future__ import annotations

from django.urls import path

from booking.views import (
    accounts,
    connected_apps,
    details,
    flow,
    lost_links,
    manage,
    profiles,
    waitlist,
)

app_name = "booking"

urlpatterns = [
    path("", flow.landing, name="landing"),
    path("book/<int:topic_id>/", flow.options, name="options"),
    path("book/<int:topic_id>/times/", flow.times, name="times"),
    path("hold/<int:slot_id>/", details.details, name="details"),
    path("hold/<int:slot_id>/release/", details.release, name="release"),
    path("lost-link/", lost_links.lost_links, name="lost_links"),
    path("book/<int:topic_id>/waitlist/", waitlist.join, name="waitlist_join"),
    path("waitlist/offer/<str:token>/", waitlist.offer, name="waitlist_offer"),
    path("waitlist/leave/<str:token>/", waitlist.leave, name="waitlist_leave"),
    path("m/<slug:reference>/", manage.manage, name="manage"),
    path("m/<slug:reference>/booked/", manage.confirmed, name="confirmed"),
    path("m/<slug:reference>/invite.ics", manage.invite, name="invite"),
    path("m/<slug:reference>/cancel/", manage.cancel, name="cancel"),
    path("m/<slug:reference>/reschedule/", manage.reschedule, name="reschedule"),
    path(
        "m/<slug:reference>/reschedule/<int:slot_id>/",
        manage.reschedule_confirm,
        name="reschedule_confirm",
    ),
    path("me/meetings/", accounts.my_meetings, name="my_meetings"),
    path("me/schedule/", accounts.my_schedule, name="my_schedule"),
    path("me/apps/", connected_apps.connected_apps, name="connected_apps"),
    path("p/<slug:slug>/", profiles.profile_page, name="profile"),
]
