"""Fail with instructions when the test PostgreSQL server cannot be reached (never fall back to SQLite)."""

import os
import sys

import dj_database_url
import psycopg

url = os.environ["DATABASE_URL"]
config = dj_database_url.parse(url)
if config["ENGINE"] != "django.db.backends.postgresql":
    sys.exit(f"The test suite runs on PostgreSQL only; DATABASE_URL is {url!r}.")
try:
    psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=5,
    ).close()
except psycopg.OperationalError as exc:
    sys.exit(
        f"PostgreSQL is not reachable at {config['HOST'] or 'localhost'}:{config['PORT'] or 5432} ({exc}).\n"
        "Start it (on this machine: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)\n"
        "or set DATABASE_URL to a running server. The suite never falls back to SQLite."
    )
