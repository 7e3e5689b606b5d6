"""The browser harness itself: chromium runs, static files load, axe-core finds real problems."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


def test_a_page_of_the_site_loads_with_its_css_and_passes_axe(page, axe_check):
    """The admin login through the live server: styled (static files served) and accessible."""
    response = page.goto("/admin/login/")
    assert response is not None
    assert response.status == 200
    stylesheet = page.evaluate(
        "() => [...document.styleSheets].map(s => s.href).find(h => h && h.includes('admin'))"
    )
    assert stylesheet
    assert page.request.get(stylesheet).status == 200
    assert page.get_by_label("Username").is_visible()
    axe_check(page)


def test_axe_reports_a_serious_violation_when_there_is_one(page):
    """The check is not vacuous: an unlabeled field and an image without alt text are caught."""
    page.set_content(
        "<!doctype html><html lang='en'><head><title>t</title></head><body><main>"
        "<img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='><input type='text'>"
        "</main></body></html>"
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= found


def test_axe_on_a_page_without_javascript_fails_at_once(new_page):
    """axe is a script: asked of a page with scripts off it says so, instead of waiting."""
    page = new_page(javascript=False)
    page.goto("/admin/login/")
    with pytest.raises(AssertionError, match="axe needs JavaScript"):
        axe_violations(page)


def test_forms_post_with_csrf_over_plain_http(page, django_user_model):
    """Session and CSRF cookies reach the server: a real sign-in to the admin works."""
    django_user_model.objects.create_superuser("staff", "staff@example.com", "pw-Staff-123")
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("pw-Staff-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    assert page.get_by_role("button", name="Log out").is_visible()
