"""Queries per request, measured in-process with Django's test client (any Django project).

Run with the project's own interpreter and settings (ours from the repository root, the peer from
bench/peer); reads a JSON list of requests `{name, method, path, headers?, cookies?, body?}` on stdin,
sends each one (the list in order, twice: the first pass warms caches and connections) and prints
`{name: queries of the second pass}` as JSON, with `<name>.again` for a read sent once more at once.
"""

import contextlib
import json
import os
import sys

import django

sys.path.insert(0, os.getcwd())
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


def main() -> None:
    spec = json.load(sys.stdin)
    counts: dict[str, int] = {}
    clients: dict[str, Client] = {}
    last_url = ""
    for repeat in (1, 2):
        for item in spec:
            key = json.dumps([item.get("headers"), item.get("cookies")], sort_keys=True)
            client = clients.setdefault(key, Client(HTTP_HOST="127.0.0.1"))
            for name, value in (item.get("cookies") or {}).items():
                client.cookies[name] = value
            executed = []

            def count(execute, sql, params, many, context, executed=executed):
                executed.append(sql)
                return execute(sql, params, many, context)

            body = item.get("body")
            if body is not None and last_url:  # a body may name the URL the previous answer gave
                body = json.loads(json.dumps(body).replace("{last.url}", last_url))
            with connection.execute_wrapper(count):
                response = client.generic(
                    item["method"],
                    item["path"],
                    json.dumps(body) if body is not None else "",
                    content_type="application/json",
                    headers=item.get("headers") or {},
                )
            with contextlib.suppress(ValueError, AttributeError):
                last_url = response.json().get("url", last_url) if response.content else last_url
            if repeat == 2:
                counts[item["name"]] = len(executed)
                counts[item["name"] + ".status"] = response.status_code
                if item["method"] == "GET":  # the same read again at once: a cache hit where there is one
                    executed.clear()
                    with connection.execute_wrapper(count):
                        client.get(item["path"], headers=item.get("headers") or {})
                    counts[item["name"] + ".again"] = len(executed)
    sys.stdout.write("\n" + json.dumps(counts) + "\n")


if __name__ == "__main__":
    main()
