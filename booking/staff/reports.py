"""Reports for branch managers (their own branch) and administrators (every branch):
charts and tables over a date range, and the meetings of that range as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from booking import charts, privacy, reports
from booking.roles import is_administrator, is_branch_manager, visible_locations
from booking.staff.access import staff_required
from booking.views.rendering import SignedInHttpRequest, query_string, render_page
from config_data.models import Location
from config_data.translation import ShownText

DEFAULT_WEEKS = 12
MIN_YEAR, MAX_YEAR = 2000, 2999


class ReportForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.ModelChoiceField(
        label=gettext_lazy("Branch"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=gettext_lazy("All my branches"),
    )

    def __init__(self, data: Mapping[str, Any] | None, *, locations: QuerySet[Location]) -> None:
        super().__init__(data)
        # Only the branches this viewer may see can be chosen: another is "not a choice".
        self.fields["location"].queryset = locations.order_by(ShownText("name").asc())  # type: ignore[attr-defined]

    def _in_years(self, name: str) -> date:
        # Dates at the ends of the calendar overflow when turned into zoned datetimes.
        value: date = self.cleaned_data[name]
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise forms.ValidationError(
                _("Enter a date between the years %(min)s and %(max)s.")
                % {"min": MIN_YEAR, "max": MAX_YEAR}
            )
        return value

    def clean_start(self) -> date:
        return self._in_years("start")

    def clean_end(self) -> date:
        return self._in_years("end")

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date must not be before the start date."))
            elif (end - start).days + 1 > reports.MAX_REPORT_DAYS:
                self.add_error(
                    "end",
                    _("A report covers at most %(days)s days.") % {"days": reports.MAX_REPORT_DAYS},
                )
        return data


def default_range(today: date) -> tuple[date, date]:
    """The last twelve weeks, this one included: Monday 11 weeks ago to this Sunday."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=DEFAULT_WEEKS - 1), monday + timedelta(days=6)


def _manager_locations(request: SignedInHttpRequest) -> QuerySet[Location]:
    """The branches this viewer reports on; advisers have no reports (404)."""
    if not (is_administrator(request.user) or is_branch_manager(request.user)):
        raise Http404("Reports are for branch managers and administrators.")
    return visible_locations(request.user)


def _bound_form(request: SignedInHttpRequest, locations: QuerySet[Location]) -> ReportForm:
    today = timezone.localdate()
    start, end = default_range(today)
    data = {"start": start.isoformat(), "end": end.isoformat(), **request.GET.dict()}
    return ReportForm(data, locations=locations)


def _chosen(form: ReportForm, locations: QuerySet[Location]) -> QuerySet[Location]:
    chosen = form.cleaned_data.get("location")
    return locations.filter(pk=chosen.pk) if chosen else locations


@require_safe
@staff_required
def report_page(request: SignedInHttpRequest) -> HttpResponse:
    """The report over the chosen range; bad dates re-show the form with field errors
    (422, which the site's htmx config swaps in like a success)."""
    locations = _manager_locations(request)
    form = _bound_form(request, locations)
    context: dict = {"staff_section": "reports", "form": form}
    if not form.is_valid():
        return render_page(request, "staff/reports.html", context, partial="report", status=422)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    report = reports.load_report(_chosen(form, locations), start, end)
    context.update(report_context(report, timezone.now()))
    context["csv_url"] = query_string(
        {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "location": form.cleaned_data["location"].pk if form.cleaned_data["location"] else "",
        }
    )
    return render_page(request, "staff/reports.html", context, partial="report")


def report_context(report: reports.Report, now: datetime) -> dict:
    """Tables and charts from the report's rows (pure: no queries)."""
    rows, weeks = report.rows, report.weeks
    by_topic = reports.per_week(rows, weeks, "topic")
    by_branch = reports.per_week(rows, weeks, "branch")
    week_rates = reports.rates_per_week(rows, weeks, now)
    histogram = reports.lead_time_histogram(rows)
    bucket_names = [str(name) for name, _bound in reports.LEAD_TIME_BUCKETS]
    short_weeks = [week.split("-")[1] for week in weeks]
    return {
        "report": report,
        "weeks": weeks,
        "by_topic": by_topic,
        "by_branch": by_branch,
        "week_totals": [sum(column) for column in zip(*by_topic.values(), strict=True)]
        if by_topic
        else [0] * len(weeks),
        "overall": reports.rates(rows, now),
        "rates_by_branch": reports.rates_by(rows, now, "branch"),
        "rates_by_topic": reports.rates_by(rows, now, "topic"),
        "lead_times": reports.lead_times_by_topic(rows),
        "lead_buckets": list(zip(bucket_names, histogram, strict=True)),
        "topic_chart": charts.bar_chart(
            chart_id="chart-topics",
            title=_("Meetings per week by topic"),
            labels=short_weeks,
            series=[charts.Series(name, values) for name, values in by_topic.items()],
        ),
        "branch_chart": charts.bar_chart(
            chart_id="chart-branches",
            title=_("Meetings per week by branch"),
            labels=short_weeks,
            series=[charts.Series(name, values) for name, values in by_branch.items()],
        ),
        "rates_chart": charts.line_chart(
            chart_id="chart-rates",
            title=_("Cancellation and no-show rates per week"),
            labels=short_weeks,
            series=[
                charts.Series(_("Cancelled"), [r.cancellation_rate for r in week_rates]),
                charts.Series(_("No-show"), [r.no_show_rate for r in week_rates]),
            ],
            fmt=charts.percent,
            top=1.0,
        ),
        "adviser_chart": utilisation_chart(
            "chart-advisers", _("Adviser utilisation"), report.advisers
        ),
        "room_chart": utilisation_chart("chart-rooms", _("Room utilisation"), report.rooms),
        "lead_chart": charts.bar_chart(
            chart_id="chart-lead",
            title=_("Time from booking to meeting"),
            labels=bucket_names,
            series=[charts.Series(_("Meetings"), histogram)],
        ),
    }


def utilisation_chart(chart_id: str, title: str, figures: list[reports.Utilisation]) -> SafeString:
    return charts.bar_chart(
        chart_id=chart_id,
        title=title,
        labels=[figure.name for figure in figures],
        series=[charts.Series(_("Booked"), [figure.ratio for figure in figures])],
        fmt=charts.percent,
    )


# Cells starting with these would be formulas in a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "date",
    "start",
    "end",
    "time_zone",
    "branch",
    "employee",
    "room",
    "topic",
    "meeting_type",
    "status",
    "outcome",
    "booked_by",
    "booked_at",
    "cancelled_at",
    "customer",
    "email",
    "phone",
)


def safe_cell(value: object) -> str:
    """The value as text a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(meetings: QuerySet, start: date, end: date) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for meeting in meetings.iterator(chunk_size=2000):
        employee, room = meeting.employee, meeting.room
        # The branch and zone the report's figures and the meeting page use.
        branch = reports.branch_of(
            employee.location if employee else None, room.location if room else None
        )
        zone = branch.zone
        local_start = meeting.start.astimezone(zone)
        if not start <= local_start.date() <= end:
            continue  # inside the query's margin, outside the range in its own zone
        yield writer.writerow(
            [
                safe_cell(v)
                for v in (
                    local_start.date().isoformat(),
                    local_start.strftime("%H:%M"),
                    meeting.end.astimezone(zone).strftime("%H:%M"),
                    zone.key,
                    branch.name,
                    employee.name if employee else "",
                    room.name if room else "",
                    meeting.topic.name,
                    meeting.meeting_type,
                    meeting.status,
                    meeting.outcome,
                    meeting.booked_by,
                    meeting.created_at.astimezone(zone).isoformat(timespec="minutes"),
                    meeting.cancelled_at.astimezone(zone).isoformat(timespec="minutes")
                    if meeting.cancelled_at
                    else "",
                    meeting.customer.display_name,
                    meeting.customer.email,
                    meeting.customer.phone,
                )
            ]
        )


@require_safe
@staff_required  # type: ignore[arg-type]  # it passes any response through
def report_csv(request: SignedInHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The range's meetings as CSV, only of the branches this viewer may see."""
    locations = _manager_locations(request)
    form = _bound_form(request, locations)
    if not form.is_valid():
        context = {"staff_section": "reports", "form": form}
        return render_page(request, "staff/reports.html", context, status=422)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    meetings = (
        reports.meetings_between(_chosen(form, locations), start, end)
        .with_details()
        .order_by("time_slot__start", "pk")
    )
    response = StreamingHttpResponse(
        csv_lines(meetings, start, end), content_type="text/csv; charset=utf-8"
    )
    name = f"meetings-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    privacy.mark_private(response)  # customers' contact details
    return response
