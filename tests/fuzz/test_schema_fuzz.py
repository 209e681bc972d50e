"""The OpenAPI schema is as strict as the API: schemathesis (every check on, the two data-acceptance checks
included) fuzzes every operation over a real gunicorn process, as a customer, then as an admin, then the
admin role endpoint on its own last (the fuzzer could demote the admin it runs as). Fails on any 5xx, on any
answer that breaks the schema, and on any request the schema allows and the API refuses, or the other way
round. Bounded: at most `FUZZ_SECONDS` per role (about 1.5 minutes in all). Settings: schemathesis.toml;
`FUZZ_SEED` changes the seed (default 17).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.tokens import token_pair_for
from tests.factories import UserFactory
from tests.servers import BASE_DIR, gunicorn_server

pytestmark = pytest.mark.django_db(transaction=True)  # the users must be visible to gunicorn

ROLE_ENDPOINT = r"^/api/v1/admin/users/\{user_id\}/role$"
SEED = os.environ.get("FUZZ_SEED", "17")
FUZZ_SECONDS = {"customer": 35, "admin": 35, "admin role endpoint": 10}


def schemathesis(port: int, token: str, seconds: int, *filters: str) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(BASE_DIR / "schemathesis.toml"),
        "--no-color",
        "run",
        f"http://127.0.0.1:{port}/api/v1/schema/?format=json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "10",
        "--max-time",
        str(seconds),
        "--workers",
        "1",  # hypothesis describes strategies with `ast`, which is not thread-safe on Python 3.11
        "--seed",
        SEED,
        "--request-timeout",
        "10",
        "--header",
        f"Authorization: Bearer {token}",
        *filters,
    ]
    return subprocess.run(
        command, cwd=BASE_DIR / "tests" / "fuzz", capture_output=True, text=True, timeout=seconds + 120
    )


def test_schemathesis_finds_no_5xx_and_no_schema_mismatch_as_customer_and_admin():
    customer = token_pair_for(UserFactory())["access_token"]
    admin = token_pair_for(UserFactory(admin=True))["access_token"]
    runs = [
        ("customer", customer, ["--exclude-path-regex", ROLE_ENDPOINT]),
        ("admin", admin, ["--exclude-path-regex", ROLE_ENDPOINT]),
        ("admin role endpoint", admin, ["--include-path-regex", ROLE_ENDPOINT]),  # last, on its own
    ]
    # Throttles off: thousands of logins and registrations from one address would otherwise be 429s.
    unthrottled = {"AUTH_THROTTLE_RATE": "1000000/minute", "AUTH_IP_THROTTLE_RATE": "1000000/minute"}
    with gunicorn_server(WEB_CONCURRENCY="2", **unthrottled) as server:
        results = [
            (label, schemathesis(server.port, token, FUZZ_SECONDS[label], *filters))
            for label, token, filters in runs
        ]

    failed = [
        f"schemathesis as {label} (seed {SEED}):\n{result.stdout[-20000:]}"
        for label, result in results
        if result.returncode
    ]
    assert not failed, "\n".join(failed)
    assert all("API Operations:" in result.stdout for _, result in results)
