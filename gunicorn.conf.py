"""gunicorn's settings in one place: `make run`, the Docker image and the benchmarks all serve with this
file (gunicorn reads `./gunicorn.conf.py` from its working directory by itself; a command-line flag
overrides a value here). Every value can be set from the environment as shown; README "Serving".
"""

import multiprocessing
import os
import sys
from pathlib import Path

# `config.env` from beside this file, also when another project's gunicorn reads it (the benchmark's peer):
# appended, so that nothing here shadows that project's own modules.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

from config.env import env_bool  # noqa: E402


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "config.wsgi:application"
bind = [f"0.0.0.0:{_int('PORT', 8000)}"]

# Sync workers: gthread was never faster here and was unstable under keep-alive (STYLE.md, hot paths).
worker_class = "sync"
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
# A worker silent for longer is killed and replaced; the idempotency lease (60 s) is twice this.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# The app is imported once, in the master, before the workers fork: a worker starts (and is replaced, see
# `max_requests`) in milliseconds instead of the ~1.5 s an import takes here, and the workers share the
# loaded modules' memory (config/wsgi.py freezes them out of the garbage collector, so their pages stay
# shared). Nothing connects at import: each worker opens its own database and Redis connections on first
# use. A code change needs a restart of the master (HUP re-forks the workers from the loaded app).
preload_app = env_bool("GUNICORN_PRELOAD", default=True)
# After each response a sync worker closes the connection. gunicorn lingers until the client closes too
# (up to 2 s); here it lingers only when unread request bytes wait in the socket, as nginx does, and
# otherwise closes at once (config/gunicorn_close.py). GUNICORN_ALWAYS_LINGER=1 keeps gunicorn's way.
if not env_bool("GUNICORN_ALWAYS_LINGER", default=False):
    from config.gunicorn_close import install as _close_only_when_needed  # noqa: E402

    _close_only_when_needed()

# Recycle workers now and then so that a slow leak never grows without bound; jitter spreads restarts.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1000)

# Request limits. gunicorn answers a breach with its own plain-text error (not our JSON envelope), so
# its limits sit above the app's own, and the app refuses first, in the envelope:
# - the request line: unlimited here (gunicorn caps it at 1 MiB regardless); shop.middleware refuses a
#   request target over 8 KiB with `414 uri_too_long`;
# - a header field: 32 KiB, so a bearer token over 8 KiB reaches the app and is a 401 envelope; a single
#   header over 32 KiB (or more than 100 headers) is gunicorn's own 431/400 answer.
limit_request_line = 0
limit_request_fields = 100
limit_request_field_size = 32 * 1024

# The scheme comes from Django's SECURE_PROXY_SSL_HEADER alone (config/settings.py), never from
# gunicorn's own trust of X-Forwarded-Proto: one place decides whether a request is HTTPS.
secure_scheme_headers = {}

# The app writes its own JSON access log (one line per request on stdout, API.md §1.15).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's Server header is the bare name `gunicorn`, no version (it cannot be removed from here; a
# proxy in front can drop it, e.g. nginx `proxy_hide_header Server;`).
