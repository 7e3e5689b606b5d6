"""Details and confirm: who is coming; Reserved -> Booked -> Meeting in one transaction."""

from __future__ import annotations

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
from booking.models import Customer, Meeting, TimeSlot, TimeSlotStatus
from booking.views.access import held_slot_or_404, slot_zone
from booking.views.flow import options_query
from booking.views.holds import browser_actor
from booking.views.picker import monday_of
from booking.views.rendering import HtmxHttpRequest, query_string, render_page
from booking.views.session_holds import SESSION_DRAFT, HoldInfo, forget_hold, mark_done
from config_data.models import CustomerCategory, MeetingType


def picker_url(slot: TimeSlot, info: HoldInfo) -> str:
    """Back to the picker with the same choices, at the week of the held time."""
    if info.reschedule:
        return reverse("booking:reschedule", args=[info.reschedule]) + query_string(
            {"employee": info.employee_choice}
        )
    week = monday_of(slot.start.astimezone(slot_zone(slot)).date())
    return reverse("booking:times", args=[slot.topic_id]) + options_query(
        {
            "category": info.category_id,
            "type": info.meeting_type,
            "location": info.location_id,
            "employee": info.employee_choice,
        },
        week=week,
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
    error, status = "", 200
    if request.method == "POST":
        form = DetailsForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                meeting = confirm_booking(request, slot, info, form)
            except InvalidRequest as e:
                field = (e.field or "").replace("answers.", "answer_")
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
        form = DetailsForm(initial=prefill(request), questions=questions)
    now = timezone.now()
    context = {
        "slot": slot,
        "topic": topic,
        "info": info,
        "form": form,
        "error": error,
        "zone": slot_zone(slot),
        "hold_live": slot.hold_is_live(now),
        # Pressed again in another tab: the same hold, said so rather than a second one.
        "opened_again": request.GET.get("again") == "1" and slot.hold_is_live(now),
        "picker_url": picker_url(slot, info),
        "meeting_type_label": MeetingType(info.meeting_type).label,
    }
    return render_page(
        request, "booking/details.html", context, partial="details-form", status=status
    )


def confirm_booking(
    request: HtmxHttpRequest, slot: TimeSlot, info: HoldInfo, form: DetailsForm
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
    )


@require_POST
def release(request: HtmxHttpRequest, slot_id: int) -> HttpResponse:
    """Give a held time back and return to the picker ("choose another time")."""
    slot, info = held_slot_or_404(request, slot_id)
    back = picker_url(slot, info)
    if (
        slot.status == TimeSlotStatus.RESERVED
        and not Meeting.objects.filter(time_slot=slot).exists()
    ):
        services.time_slot_release(actor=Actor.from_holder(slot.holder), time_slot_id=slot.pk)
    forget_hold(request, slot.pk)
    return redirect(back)
