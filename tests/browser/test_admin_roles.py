"""A branch manager in the admin, in a real browser: their branch only, and the history,
import and export pages load without a CSP violation or a script error."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from booking import roles
from config_data.models import Absence
from tests import factories
from tests.roles import restore_role_groups

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
                (event.blockedURI || "inline") + " at " + event.sourceFile);
});
"""


@pytest.fixture
def csp_page(new_page):
    page = new_page()
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.violations = []
    page.on(
        "console",
        lambda message: (
            page.violations.append(f"{page.url}: {message.text}")
            if "CSP violation" in message.text or "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def test_a_branch_manager_runs_their_branch_in_the_admin(csp_page, transactional_db):
    """Sign in at /admin/, see branch one's rooms only, open a room's history, the import
    and export pages and an employee with an absence: nothing blocked, no script error."""
    restore_role_groups()
    one, two = factories.location(name="Branch one"), factories.location(name="Branch two")
    own_room = factories.room(location=one, name="Harbour")
    factories.room(location=two, name="Elsewhere")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("karen", "karen@example.com", "pw-Karen-123")
    employee = factories.employee(location=one, user=user, name="Karen")
    Absence.objects.create(
        employee=employee,
        start=datetime(2026, 7, 1, 7, tzinfo=UTC),
        end=datetime(2026, 7, 1, 15, tzinfo=UTC),
    )
    roles.role_assign(user, [roles.BRANCH_MANAGER])
    own_room.save()  # a second version for the history page
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    monday = today + timedelta(days=7 - today.weekday())
    factories.meeting(
        topic=factories.topic(employees=[employee], name="Mortgage advice"),
        employee=employee,
        start=monday,
        customer_name="Bartholomew Featherstonehaugh-Cholmondeley",
    )

    page = csp_page
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("karen")
    page.get_by_label("Password").fill("pw-Karen-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.get_by_role("link", name="Applications").count() == 0

    page.goto("/admin/config_data/room/")
    assert page.get_by_role("link", name="Harbour").count() == 1
    assert page.get_by_text("Elsewhere").count() == 0

    page.goto("/admin/booking/meeting/")
    assert page.get_by_text("Featherstonehaugh").count() == 1
    # The meetings list fits a 1280 px screen: no sideways scrolling.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    for path in (
        f"/admin/config_data/room/{own_room.pk}/history/",
        "/admin/config_data/room/import/",
        "/admin/config_data/room/export/",
        f"/admin/config_data/employee/{employee.pk}/change/",
    ):
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    assert page.locator('input[type="time"]').count() > 0
    assert page.get_by_text("hours behind server time").count() == 0
    assert not page.violations, "\n".join(page.violations)
