"""The admin's meeting list sorts by the topic name the reader sees, in their language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from config_data.models import MeetingTopic
from tests import factories

TEN = datetime(2026, 6, 2, 8, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 6, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("en", ["Alpha", "Beta"]), ("de", ["Beta", "Alpha"])]
)
def test_meetings_sort_by_the_topic_name_as_shown(client, world, language, expected):
    """Alpha is "Zins" in German and Beta "Anlage": sorted by topic, the German list starts
    with Beta's meeting, the English one with Alpha's (never by a column of another language)."""
    alpha = factories.topic(name="Alpha", employees=[world.alice])
    beta = factories.topic(name="Beta", employees=[world.bob])
    MeetingTopic.objects.filter(pk=alpha.pk).update(name_de="Zins")
    MeetingTopic.objects.filter(pk=beta.pk).update(name_de="Anlage")
    for topic, employee in ((alpha, world.alice), (beta, world.bob)):
        factories.meeting(topic=topic, employee=employee, start=TEN, now=NOW)
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "pw"))
    url = reverse("admin:booking_meeting_changelist")
    response = client.get(url, {"o": "2"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    shown = [m.topic.pk for m in response.context["cl"].result_list]
    assert shown == [{"Alpha": alpha.pk, "Beta": beta.pk}[name] for name in expected]
