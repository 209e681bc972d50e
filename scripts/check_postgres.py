"""Fail with instructions when the test PostgreSQL server cannot be reached (never fall back to SQLite);
create the database DATABASE_URL names when it is missing (pytest-django creates its own `test_<name>`,
but `makemigrations --check` reads the migration history of this one)."""

import os
import sys

import dj_database_url
import psycopg
import psycopg.sql

url = os.environ["DATABASE_URL"]
config = dj_database_url.parse(url)
if config["ENGINE"] != "django.db.backends.postgresql":
    sys.exit(f"The test suite runs on PostgreSQL only; DATABASE_URL is {url!r}.")
try:
    server = psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=5,
        autocommit=True,
    )
except psycopg.OperationalError as exc:
    sys.exit(
        f"PostgreSQL is not reachable at {config['HOST'] or 'localhost'}:{config['PORT'] or 5432} ({exc}).\n"
        "Start it (on this machine: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)\n"
        "or set DATABASE_URL to a running server. The suite never falls back to SQLite."
    )

with server:
    name = config["NAME"]
    if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        server.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
