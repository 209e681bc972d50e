"""WSGI entry point: `gunicorn config.wsgi:application`.

Once the application is loaded, its objects (modules, settings, URL patterns, compiled statements to be)
are moved out of the garbage collector's generations (`gc.freeze`): they live as long as the worker, and
without this the first full collection walks them all, a pause of about 90 ms in a sync worker on this
machine (every request queued behind it waits too). Collections of what requests allocate go on as usual.
gunicorn imports this once, in the master (`preload_app` in gunicorn.conf.py), so the workers fork with
these objects frozen: no collection touches them, and their memory pages stay shared between workers.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
gc.collect()
gc.freeze()
