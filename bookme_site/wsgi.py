"""The WSGI entry point of application servers (production).

Servers never read the development .env: a stray one must not turn DEBUG on. Set
BOOKME_ENV_FILE to a path to read a file anyway; manage.py keeps reading .env.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookme_site.settings")
os.environ.setdefault("BOOKME_ENV_FILE", "")
application = get_wsgi_application()
