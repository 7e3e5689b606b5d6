from __future__ import annotations

from django.apps import AppConfig


class DevdataConfig(AppConfig):
    """Development data: the demo bank (`load_demo`) and the benchmark set (`generate_data`).

    It sits on top of both config_data and booking, so config_data depends on nothing.
    """

    name = "booking.devdata"
    label = "devdata"
