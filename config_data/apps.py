from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigDataConfig(AppConfig):
    name = "config_data"
    verbose_name = _("Configuration")
