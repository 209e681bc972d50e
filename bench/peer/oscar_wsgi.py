"""WSGI entry of the peer (gunicorn oscar_wsgi:application, run from bench/peer)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oscar_settings")
application = get_wsgi_application()
