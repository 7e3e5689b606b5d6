"""Lost your link? The customer gives an email address and gets its meetings' links by email.

The answer never depends on whether the address is known: the same page, the same
status, and the same work before answering. Looking the address up and mailing happen in
a background worker (booking.effects schedules them), never in the request, so the time to
answer tells nothing, and no web process waits for the mail server.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking import effects, ratelimit
from booking.ratelimit import client_address
from booking.views.rendering import HtmxHttpRequest, render_page

# The limits count per hour.
WINDOW_SECONDS = 3600


class LostLinksForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        help_text=gettext_lazy("The address you gave when booking."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def email_key(email: str) -> str:
    """The address as a rate-limit key: case-folded, and hashed so no cache holds it."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


@require_http_methods(["GET", "POST"])
def lost_links(request: HtmxHttpRequest) -> HttpResponse:
    """The form; POST answers "if we know the address, the links are on their way"."""
    form = LostLinksForm(request.POST if request.method == "POST" else None)
    sent, error, status, retry_after = False, "", 200, 0
    if request.method == "POST":
        by_address = ratelimit.hit(
            f"lost-links-ip:{client_address(request)}",
            limit=settings.BOOKME_LOST_LINK_REQUESTS_PER_ADDRESS,
            window=WINDOW_SECONDS,
        )
        if not by_address.allowed:
            error, status = _("Too many requests. Please try again later."), 429
            retry_after = by_address.reset_after
        elif form.is_valid():
            sent = True
        else:
            status = 422 if request.htmx else 200
    # After sending, an empty form: the page must not differ by the address asked for.
    context = {"form": LostLinksForm() if sent else form, "sent": sent, "error": error}
    response = render_page(
        request, "booking/lost_links.html", context, partial="lost-links", status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    if sent:
        email: str = form.cleaned_data["email"]
        # Counted for every request, known address or not; beyond it the answer stays
        # the same and no mail goes out, so nobody can flood an inbox.
        by_email = ratelimit.hit(
            f"lost-links-email:{email_key(email)}",
            limit=settings.BOOKME_LOST_LINK_REQUESTS_PER_EMAIL,
            window=WINDOW_SECONDS,
        )
        if by_email.allowed:
            language = get_language() or settings.LANGUAGE_CODE
            effects.send_lost_links(email, language=language)
    return response
