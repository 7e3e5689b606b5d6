"""The peer project's WSGI application, for gunicorn in bench/peer.py --http."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_project.settings")
application = get_wsgi_application()
