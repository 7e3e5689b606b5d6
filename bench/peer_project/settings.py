"""A minimal Django project for django-appointment, the peer we compare with.

Used only by bench/peer_side.py inside the separate benchmark virtualenv; the project
itself never depends on django-appointment.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "peer-benchmark-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "phonenumber_field",
    "appointment",
]
# Django's default stack, as a site serving the peer's booking page has (bench/peer.py --http;
# CommonMiddleware also sets the Content-Length that bench/lean_client.py reads by).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer_project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PEER_DATABASE", str(BASE_DIR / ".data" / "peer.sqlite3")),
        # bench/peer.py --http keeps connections open under gunicorn, as BookMe's server does
        "CONN_MAX_AGE": int(os.environ.get("PEER_CONN_MAX_AGE", "0")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Europe/Copenhagen"
LANGUAGE_CODE = "en"
STATIC_URL = "static/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
