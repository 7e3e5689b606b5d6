"""The settings the type check loads (pyproject.toml [tool.django-stubs]): the site's own,
without modeltranslation's runtime registration.

modeltranslation swaps each translated model's manager for a class it builds at start-up,
which django-stubs cannot resolve; the models as written are what the code relies on (the
language columns are reached through the same attributes). The admin is the plain
SimpleAdminConfig so that nothing imports the translation-aware admin modules at load.
"""

from __future__ import annotations

from bookme_site.settings import *  # noqa: F403
from bookme_site.settings import INSTALLED_APPS

INSTALLED_APPS = [
    "django.contrib.admin.apps.SimpleAdminConfig" if app == "django.contrib.admin" else app
    for app in INSTALLED_APPS
    if app != "modeltranslation"
]
