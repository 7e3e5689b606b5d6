"""BookMe settings: one file, every deployment-specific value from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bookme_site.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY", default=_DEV_SECRET if DEBUG else None)
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "oauth2_provider",
    "ninja",
    "config_data",
    "booking",
    "booking.api",  # the Public API: which scopes each OAuth2 client may get
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "booking.api.middleware.ApiErrorShapeMiddleware",
]

ROOT_URLCONF = "bookme_site.urls"
WSGI_APPLICATION = "bookme_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL=postgres://... switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so the overlap check and the insert
        # of a reservation cannot interleave with another writer's.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not shared-cache memory: concurrency tests need real locking and WAL.
    # One per process, so that parallel test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f"test-db-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Account emails (verification, password reset) name the site, not the request's host.
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[BookMe] "

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German")), ("da", _("Danish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates and times the European way (24-hour clock, day before month).
FORMAT_MODULE_PATH = ["bookme_site.formats"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="BookMe <bookme@localhost>")
# Seconds; a hanging mail server must not hang the request that confirmed a booking.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)

# Production hardening; `manage.py check --deploy` is clean when DEBUG is off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"booking": {"handlers": ["console"], "level": "INFO"}},
}

# BookMe's own settings.
BOOKME_HOLD_MINUTES = env_int("BOOKME_HOLD_MINUTES", 15, minimum=1)
BOOKME_MAX_SEARCH_DAYS = env_int("BOOKME_MAX_SEARCH_DAYS", 31, minimum=1)
# A browser session may try to hold a time this many times per window (anti-hoarding).
BOOKME_HOLD_ATTEMPTS = env_int("BOOKME_HOLD_ATTEMPTS", 10, minimum=1)
BOOKME_HOLD_ATTEMPT_WINDOW = env_int("BOOKME_HOLD_ATTEMPT_WINDOW_SECONDS", 600, minimum=1)
# ... and per client address, whatever the session (a bot can drop its cookies).
BOOKME_HOLD_ATTEMPTS_PER_ADDRESS = env_int("BOOKME_HOLD_ATTEMPTS_PER_ADDRESS", 30, minimum=1)
# How many reverse proxies in front of us append to X-Forwarded-For (0: use REMOTE_ADDR).
BOOKME_TRUSTED_PROXIES = env_int("BOOKME_TRUSTED_PROXIES", 0, minimum=0)
BOOKME_MAX_ACTIVE_HOLDS = env_int("BOOKME_MAX_ACTIVE_HOLDS", 3, minimum=1)
# Absolute links in emails and invites (manage links) start with this address.
BOOKME_SITE_URL = env_str("BOOKME_SITE_URL", default="http://127.0.0.1:8000")

# Named explicitly so that migrations pointing at API clients can resolve the swappable model.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("OAUTH_TOKEN_SECONDS", 3600, minimum=60),
    "SCOPES": {"read": "Read configuration and availability", "write": "Reserve and book"},
    "DEFAULT_SCOPES": ["read"],
    # The OAuth 2.0 Security BCP (RFC 9700): only the client credentials grant is used,
    # tokens are stored hashed and are accepted in the Authorization header only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # Each client may be granted only the scopes its ApiClient row allows (read by default).
    "SCOPES_BACKEND_CLASS": "booking.api.scopes.ApiClientScopes",
    "APPLICATION_ADMIN_CLASS": "booking.api.admin.ApiApplicationAdmin",
}
