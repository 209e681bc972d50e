"""`migrate` alone creates the database cache's table (migration shop 0002), so `make run` (SQLite) and
the Docker release step (`manage.py migrate`) get working throttle counters with no extra command."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

CHECK = """
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from django.db import connection
assert settings.CACHE_TABLE in connection.introspection.table_names()
cache.set("probe", [1.5, 2.5], 60)
print(cache.get("probe"))
"""


def run(*args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def test_migrate_on_a_fresh_sqlite_database_creates_the_cache_table(tmp_path):
    env = {
        key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DATABASE_REPLICA_URL"}
    }
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.pop("DATABASE_POOLER", None)

    migrated = run("manage.py", "migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert "Applying shop.0002_cache_table... OK" in migrated.stdout

    checked = run("-c", CHECK, env=env)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "[1.5, 2.5]"
