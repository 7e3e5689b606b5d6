"""Connected apps (/me/apps/): the partner apps a signed-in person allowed, and Revoke.

A plain form per app (POST with CSRF, then back to the list with a message): it works
without JavaScript. Only the person's own tokens are listed and revoked; an app they
never allowed answers 404, as an unknown id does.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from oauth2_provider.models import get_application_model

from booking.api import people
from booking.services.partner_apps import NotConnected, partner_app_revoke
from booking.views.rendering import SignedInHttpRequest, render_page

TEMPLATE = "booking/connected_apps.html"


class RevokeForm(forms.Form):
    application = forms.IntegerField(label=gettext_lazy("App"), min_value=1)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def connected_apps(request: SignedInHttpRequest) -> HttpResponse:
    """GET: the person's connected apps. POST: revoke one of them (the `application` id)."""
    if request.method == "POST":
        form = RevokeForm(request.POST)
        if not form.is_valid():
            return _page(request, form=form, status=400)
        application_id = form.cleaned_data["application"]
        # For the message: which app was cut off (the app itself stays registered).
        name = (
            get_application_model()
            .objects.filter(pk=application_id)
            .values_list("name", flat=True)
            .first()
        )
        try:
            partner_app_revoke(user_id=request.user.pk, application_id=application_id)
        except NotConnected:
            raise Http404("No such connected app.") from None
        messages.success(
            request, _("%(name)s can no longer see your meetings.") % {"name": name or ""}
        )
        return redirect("booking:connected_apps")
    return _page(request, form=None)


def _page(
    request: SignedInHttpRequest, *, form: RevokeForm | None, status: int = 200
) -> HttpResponse:
    context = {
        "apps": people.connected_apps(request.user.pk, now=timezone.now()),
        "never_allowed": people.NEVER_ALLOWED,
        "form": form,
    }
    return render_page(request, TEMPLATE, context, status=status)
