"""BookMe settings: one file, every deployment-specific value from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bookme_site.caches import cache_settings
from bookme_site.embed import env_origins
from bookme_site.env import env_bool, env_int, env_list, env_str, env_url, load_env_file

BASE_DIR = Path(__file__).resolve().parent.parent

# Development settings from the .env that `make run` writes; the real environment wins.
# BOOKME_ENV_FILE names another file, or none when empty (tests never read a developer's;
# wsgi.py and asgi.py set it empty, so application servers never read .env).
_env_file = os.environ.get("BOOKME_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file:
    load_env_file(Path(_env_file))

DEBUG = env_bool("DEBUG", default=False)
_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY", default=_DEV_SECRET if DEBUG else None)
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "modeltranslation",  # before the admin: its admin classes and static files win
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
    "csp",
    "django_tasks",
    "django_tasks_db",  # the task queue's table: workers (manage.py db_worker) poll it
    "simple_history",  # who changed which configuration, and when (history in the admin)
    "import_export",  # import and export rooms, employees and hours in the admin
    "config_data",
    "booking",
    "booking.api",  # the Public API: which scopes each OAuth2 client may get
    "booking.devdata",  # load_demo, generate_data: above booking, so config_data needs no booking
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "bookme_site.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "bookme_site.embed.PartitionedCookiesMiddleware",  # outside the two that set cookies
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bookme_site.embed.EmbedMiddleware",  # after the two above: lets partners frame embed pages
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # records who made a change
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
                "bookme_site.embed.embed_context",
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

# Every limit (website and API) lives in the default cache: in-process without REDIS_URL,
# shared by all app instances with it (redis://host:6379/0), so limits hold across them.
CACHES = cache_settings(
    env_str("REDIS_URL", default=""), key_prefix=env_str("REDIS_KEY_PREFIX", default="")
)

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
LOCALE_PATHS = [BASE_DIR / "bookme_site" / "locale"]
# What customers read (topics, categories, locations, rooms, questions) per language:
# config_data/translation.py. English is required; a missing translation falls back to
# English, then to any language filled in. An object created in code fills English too.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "de", "da")
MODELTRANSLATION_AUTO_POPULATE = "default"
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
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
# Messages stay on the server (sessions are in the database): the admin shows a webhook's
# signing secret in one, and a cookie is only signed, not encrypted.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading is hard to undo (browsers ship the list for months), so it is an explicit opt-in;
# without it the deployment check's reminder about preloading is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Manage links carry their secret in the path: never send it to another site.
SECURE_REFERRER_POLICY = "same-origin"
# Browser features no page of ours uses (bookme_site.middleware sends them denied).
PERMISSIONS_POLICY_DENIED = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
]
# Scripts and styles come only from our own static files: nothing inline, nothing evaluated
# (htmx is told not to inject styles or eval in templates/base.html; /api/docs has its own
# template in templates/ninja/). Pages are never framed, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Partner sites that may frame the booking pages in embed mode (`?embed=1`, bookme_site/embed.py):
# comma-separated origins; none by default, so no page is framed anywhere. The cookies stay Lax
# here: only answers in a partner's frame set theirs SameSite=None; Secure; Partitioned
# (bookme_site.embed.PartitionedCookiesMiddleware), so embedding needs HTTPS.
BOOKME_EMBED_ORIGINS = env_origins("BOOKME_EMBED_ORIGINS")
# Django's refusal page, but rendered with the request: in a frame it stays embedded.
CSRF_FAILURE_VIEW = "bookme_site.embed.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"booking": {"handlers": ["console"], "level": "INFO"}},
}

# BookMe's own settings.
BOOKME_HOLD_MINUTES = env_int("BOOKME_HOLD_MINUTES", 15, minimum=1)
BOOKME_MAX_SEARCH_DAYS = env_int("BOOKME_MAX_SEARCH_DAYS", 31, minimum=1)
# Bytes; the largest API request body (a meeting with every answer is a few KiB). Larger: 413.
BOOKME_API_MAX_BODY_BYTES = env_int("BOOKME_API_MAX_BODY_BYTES", 64 * 1024, minimum=1024)
# A browser session may try to hold a time this many times per window (anti-hoarding).
BOOKME_HOLD_ATTEMPTS = env_int("BOOKME_HOLD_ATTEMPTS", 10, minimum=1)
BOOKME_HOLD_ATTEMPT_WINDOW = env_int("BOOKME_HOLD_ATTEMPT_WINDOW_SECONDS", 600, minimum=1)
# ... and per client address, whatever the session (a bot can drop its cookies).
BOOKME_HOLD_ATTEMPTS_PER_ADDRESS = env_int("BOOKME_HOLD_ATTEMPTS_PER_ADDRESS", 30, minimum=1)
# How many reverse proxies in front of us append to X-Forwarded-For (0: use REMOTE_ADDR).
BOOKME_TRUSTED_PROXIES = env_int("BOOKME_TRUSTED_PROXIES", 0, minimum=0)
# Any client can send X-Forwarded-Proto; believe it only when our own proxy sets it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BOOKME_TRUSTED_PROXIES else None
BOOKME_MAX_ACTIVE_HOLDS = env_int("BOOKME_MAX_ACTIVE_HOLDS", 3, minimum=1)
# A Booked slot must get its meeting within this many minutes, or its time is freed again.
BOOKME_BOOKED_WITHOUT_MEETING_MINUTES = env_int(
    "BOOKME_BOOKED_WITHOUT_MEETING_MINUTES", 15, minimum=1
)
# Per API client: live holds and Booked slots still waiting for their meeting (anti-hoarding),
BOOKME_API_MAX_ACTIVE_HOLDS = env_int("BOOKME_API_MAX_ACTIVE_HOLDS", 20, minimum=1)
BOOKME_API_MAX_BOOKED_WITHOUT_MEETING = env_int(
    "BOOKME_API_MAX_BOOKED_WITHOUT_MEETING", 20, minimum=1
)
# ... upcoming meetings whose customer left no email (a meeting books its slot for good),
BOOKME_API_MAX_MEETINGS_WITHOUT_EMAIL = env_int(
    "BOOKME_API_MAX_MEETINGS_WITHOUT_EMAIL", 200, minimum=1
)
# ... and requests per window of so many seconds, whichever of its tokens it uses.
BOOKME_API_RATE_LIMIT = env_int("BOOKME_API_RATE_LIMIT", 600, minimum=1)
BOOKME_API_RATE_WINDOW = env_int("BOOKME_API_RATE_WINDOW_SECONDS", 60, minimum=1)
# How long a process trusts a bearer token it has checked (booking.api.auth.token_caller);
# a token revoked through another app instance still works that long. 0: ask every time.
BOOKME_API_TOKEN_CACHE_SECONDS = env_int("BOOKME_API_TOKEN_CACHE_SECONDS", 10, minimum=0)
# Absolute links in emails and invites (manage links) start with this address.
# Required in production: a guessed default would send customers links to the wrong host.
BOOKME_SITE_URL = env_url("BOOKME_SITE_URL", default="http://127.0.0.1:8000" if DEBUG else None)
# A manage link stops showing personal data this many days after its meeting is over.
BOOKME_MANAGE_LINK_DAYS_AFTER = env_int("BOOKME_MANAGE_LINK_DAYS_AFTER", 30, minimum=0)
# "Lost your link?" requests per hour: per email address (no mail bombing) and per client.
BOOKME_LOST_LINK_REQUESTS_PER_EMAIL = env_int("BOOKME_LOST_LINK_REQUESTS_PER_EMAIL", 3, minimum=1)
BOOKME_LOST_LINK_REQUESTS_PER_ADDRESS = env_int(
    "BOOKME_LOST_LINK_REQUESTS_PER_ADDRESS", 10, minimum=1
)
# Calendar feed fetches per hour (booking.staff.feeds): per feed (clients poll hourly at
# most; this stops a leaked address being hammered) and per client address (token guessing;
# high, because Google and Microsoft fetch every subscriber's feed from few addresses).
BOOKME_FEED_REQUESTS_PER_TOKEN = env_int("BOOKME_FEED_REQUESTS_PER_TOKEN", 60, minimum=1)
BOOKME_FEED_REQUESTS_PER_ADDRESS = env_int("BOOKME_FEED_REQUESTS_PER_ADDRESS", 1200, minimum=1)
# Background work (booking.tasks): the queue is a table in the site's own database, so any
# number of `manage.py db_worker` processes, on any machines, share it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Housekeeping (booking.housekeeping) runs this often on the workers; 0 turns it off.
BOOKME_HOUSEKEEPING_MINUTES = env_int("BOOKME_HOUSEKEEPING_MINUTES", 10, minimum=0)
# Finished background tasks and side-effect records are kept this many days.
BOOKME_KEEP_TASK_RESULTS_DAYS = env_int("BOOKME_KEEP_TASK_RESULTS_DAYS", 30, minimum=1)
# Meetings (with their answers and events) ended this many days ago are deleted, and their
# customers with them once they have no meeting left; 0 keeps everything.
BOOKME_PURGE_PERSONAL_DATA_DAYS = env_int("BOOKME_PURGE_PERSONAL_DATA_DAYS", 0, minimum=0)
# Waitlist (booking.waitlist): a freed time is held this long for the waiter it is offered to
# (default: a hold's length); waiting entries are scanned this often for times that
# configuration changes freed (no booking event tells of those).
BOOKME_WAITLIST_OFFER_MINUTES = env_int(
    "BOOKME_WAITLIST_OFFER_MINUTES", BOOKME_HOLD_MINUTES, minimum=1
)
BOOKME_WAITLIST_SCAN_MINUTES = env_int("BOOKME_WAITLIST_SCAN_MINUTES", 5, minimum=1)
# Webhook targets (booking.webhooks): https on public addresses only, unless this allows
# http:// and loopback/private addresses too (development and tests; never in production).
BOOKME_WEBHOOKS_ALLOW_LOCAL = env_bool("BOOKME_WEBHOOKS_ALLOW_LOCAL", DEBUG)

# Named explicitly so that migrations pointing at API clients can resolve the swappable model.
# Importing configuration in the admin needs the change permission of the model; exporting,
# the view permission (django-import-export would otherwise let every admin user do both).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("OAUTH_TOKEN_SECONDS", 3600, minimum=60),
    "SCOPES": {"read": "Read configuration and availability", "write": "Reserve and book"},
    "DEFAULT_SCOPES": ["read"],
    # A partner app's refresh token (authorization code flow) ends too: unused this many
    # seconds after its access token expired (30 days by default), the person is asked again.
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("OAUTH_REFRESH_TOKEN_SECONDS", 30 * 86400, minimum=60),
    # The OAuth 2.0 Security BCP (RFC 9700): client credentials, and authorization code with
    # PKCE S256 for partner apps (booking/api/oauth.py); no implicit or password grant;
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
    # Client secrets are random, not passwords: one SHA-256 (booking/api/client_secrets.py
    # says why), and secrets still under a slow hash are re-hashed on their next use.
    "CLIENT_SECRET_HASHER": "client_sha256",
    "OAUTH2_VALIDATOR_CLASS": "booking.api.oauth.BookMeOAuth2Validator",
}
# Django's default hashers for passwords; the client secret hasher last, so it is never
# the default and Django still recognises the secrets it stored.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "booking.api.client_secrets.ClientSecretHasher",
]
# /o/token/ and /o/revoke_token/ per window: failures per client id from one address, every
# attempt per address (booking.api.oauth says why failures only).
BOOKME_TOKEN_ATTEMPTS_PER_CLIENT = env_int("BOOKME_TOKEN_ATTEMPTS_PER_CLIENT", 20, minimum=1)
BOOKME_TOKEN_ATTEMPTS_PER_ADDRESS = env_int("BOOKME_TOKEN_ATTEMPTS_PER_ADDRESS", 60, minimum=1)
BOOKME_TOKEN_ATTEMPT_WINDOW = env_int("BOOKME_TOKEN_ATTEMPT_WINDOW_SECONDS", 300, minimum=1)
# Expired access tokens are deleted by the token endpoint at most once per this many seconds.
BOOKME_TOKEN_CLEANUP_SECONDS = env_int("BOOKME_TOKEN_CLEANUP_SECONDS", 600, minimum=1)
# Client ids of resource servers allowed to introspect any token at /o/introspect/.
BOOKME_INTROSPECTION_CLIENTS = env_list("BOOKME_INTROSPECTION_CLIENTS", [])
# /admin/login/ per window: failures per username from one address, every attempt per address.
BOOKME_ADMIN_LOGIN_ATTEMPTS = env_int("BOOKME_ADMIN_LOGIN_ATTEMPTS", 5, minimum=1)
BOOKME_ADMIN_LOGIN_ATTEMPTS_PER_ADDRESS = env_int(
    "BOOKME_ADMIN_LOGIN_ATTEMPTS_PER_ADDRESS", 20, minimum=1
)
BOOKME_ADMIN_LOGIN_WINDOW = env_int("BOOKME_ADMIN_LOGIN_WINDOW_SECONDS", 300, minimum=1)
