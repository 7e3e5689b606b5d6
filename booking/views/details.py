"""Details and confirm: who is coming; Reserved -> Booked -> Meeting in one transaction."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from booking import services
from booking.actors import Actor
from booking.errors import BookingError, InvalidRequest
from booking.forms import DetailsForm
from booking.models import Customer, Meeting, TimeSlot, TimeSlotStatus, customer_zone
from booking.views import zones
from booking.views.access import held_slot_or_404, slot_zone
from booking.views.flow import options_query
from booking.views.holds import browser_actor
from booking.views.picker import room_feature_names
from booking.views.rendering import HtmxHttpRequest, query_string, render_page
from booking.views.session_holds import SESSION_DRAFT, HoldInfo, forget_hold, mark_done
from booking.zones import customer_own_zone
from config_data.models import BookingProfile, CustomerCategory, MeetingType


def picker_url(slot: TimeSlot, info: HoldInfo, zone: ZoneInfo) -> str:
    """Back to the picker with the same choices, on the held time's day (in `zone`, the
    zone the picker showed it in)."""
    if info.reschedule:
        return reverse("booking:reschedule", args=[info.reschedule]) + query_string(
            {"employee": info.employee_choice}
        )
    return reverse("booking:times", args=[slot.topic_id]) + options_query(
        {
            "category": info.category_id,
            "type": info.meeting_type,
            "location": info.location_id,
            "employee": info.employee_choice,
            "features": info.room_features,
            **profile_query(info),
        },
        day=slot.start.astimezone(zone).date(),
    )


def held_time_zone(request: HtmxHttpRequest, slot: TimeSlot, info: HoldInfo) -> ZoneInfo:
    """The held time's zone as the meeting will show it: booking.models.customer_zone."""
    return customer_zone(
        meeting_type=info.meeting_type,
        customer_timezone=zones.viewer_zone(request).key,
        display_zone=slot_zone(slot),
    )


def prefill(request: HtmxHttpRequest) -> dict:
    """A signed-in customer's known details; a draft kept from a failed attempt wins."""
    initial: dict = {}
    user = request.user
    if user.is_authenticated:
        customer = Customer.objects.filter(user=user).first()
        if customer is not None:
            initial = {"name": customer.name, "email": customer.email, "phone": customer.phone}
        else:
            primary = EmailAddress.objects.filter(user=user, primary=True).first()
            initial = {
                "name": user.get_full_name(),
                "email": primary.email if primary else user.email,
            }
    initial.update(request.session.get(SESSION_DRAFT, {}))
    return initial


@require_http_methods(["GET", "POST"])
def details(request: HtmxHttpRequest, slot_id: int) -> HttpResponse:
    """Who is coming. POST confirms: book the time, record the customer, create the meeting."""
    slot, info = held_slot_or_404(request, slot_id)
    if info.reschedule:
        return redirect("booking:reschedule_confirm", reference=info.reschedule, slot_id=slot.pk)
    booked = Meeting.objects.filter(time_slot=slot).only("reference").first()
    done = info.done or (booked.reference if booked else "")
    if done:  # a second submit of the same form: show the first result
        return redirect("booking:confirmed", reference=done)
    topic = slot.topic
    assert topic is not None  # held_slot_or_404 answers 404 for a slot without one
    questions = list(topic.information_questions.all())
    profile = held_profile(info)
    variables = profile.fields if profile is not None else []
    error, status = "", 200
    if request.method == "POST":
        form = DetailsForm(request.POST, questions=questions, profile_fields=variables)
        if form.is_valid():
            try:
                meeting = confirm_booking(request, slot, info, form, profile)
            except InvalidRequest as e:
                field = (e.field or "").replace("answers.", "answer_")
                field = field.replace("profile_fields.", "field_")
                if field in form.fields:
                    form.add_error(field, e.message)
                else:
                    error, status = e.message, e.status
            except BookingError as e:
                error, status = e.message, e.status
                request.session[SESSION_DRAFT] = form.draft()
            else:
                mark_done(request, slot.pk, meeting.reference)
                request.session.pop(SESSION_DRAFT, None)
                url = reverse("booking:confirmed", args=[meeting.reference])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        if not error:
            status = 422 if request.htmx else 200
    else:
        form = DetailsForm(initial=prefill(request), questions=questions, profile_fields=variables)
    now = timezone.now()
    context = {
        "slot": slot,
        "topic": topic,
        "info": info,
        "form": form,
        "error": error,
        # The zone the picker showed the time in (online and phone: the customer's own).
        "zone": held_time_zone(request, slot, info),
        "in_customer_zone": customer_own_zone(info.meeting_type, zones.viewer_zone(request).zone)
        is not None,
        "hold_live": slot.hold_is_live(now),
        # Pressed again in another tab: the same hold, said so rather than a second one.
        "opened_again": request.GET.get("again") == "1" and slot.hold_is_live(now),
        "picker_url": picker_url(slot, info, held_time_zone(request, slot, info)),
        "meeting_type_label": MeetingType(info.meeting_type).label,
        "profile": profile,
        "room_features": room_feature_names(info.room_features),
    }
    return render_page(
        request, "booking/details.html", context, partial="details-form", status=status
    )


def confirm_booking(
    request: HtmxHttpRequest,
    slot: TimeSlot,
    info: HoldInfo,
    form: DetailsForm,
    profile: BookingProfile | None = None,
) -> Meeting:
    """Reserved -> Booked -> Meeting in one service call (which retakes a lapsed hold)."""
    data = form.cleaned_data
    return services.booking_confirm(
        actor=browser_actor(request),
        hold=slot,
        customer=services.CustomerDetails(
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            user_id=request.user.pk if request.user.is_authenticated else None,
        ),
        meeting_type=info.meeting_type,
        customer_category=(
            CustomerCategory.objects.filter(pk=info.category_id).first()
            if info.category_id is not None
            else None
        ),
        description=data["description"],
        answers=form.answers(),
        language=get_language() or settings.LANGUAGE_CODE,
        customer_timezone=zones.viewer_zone(request).key,
        profile=profile,
        profile_fields=form.profile_values() if profile is not None else None,
        room_features=frozenset(info.room_features) or None,
    )


def held_profile(info: HoldInfo) -> BookingProfile | None:
    """The booking profile the time was held through, if any (it may since have closed:
    the service then refuses the booking with a message)."""
    if info.profile_id is None:
        return None
    return BookingProfile.objects.filter(pk=info.profile_id).first()


def profile_query(info: HoldInfo) -> dict[str, object]:
    """Back to the picker through the same profile, with the same duration."""
    profile = held_profile(info)
    if profile is None:
        return {}
    return {"profile": profile.slug, "duration": info.duration}


@require_POST
def release(request: HtmxHttpRequest, slot_id: int) -> HttpResponse:
    """Give a held time back and return to the picker ("choose another time")."""
    slot, info = held_slot_or_404(request, slot_id)
    back = picker_url(slot, info, held_time_zone(request, slot, info))
    if (
        slot.status == TimeSlotStatus.RESERVED
        and not Meeting.objects.filter(time_slot=slot).exists()
    ):
        services.time_slot_release(actor=Actor.from_holder(slot.holder), time_slot_id=slot.pk)
    forget_hold(request, slot.pk)
    return redirect(back)
