"""The Docker image's HEALTHCHECK: GET /health on the container's own port over plain HTTP.

`/health` is exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT); the request names a host from
ALLOWED_HOSTS, so that a production host list (without 127.0.0.1) does not refuse it with a 400.
Exit 0 when the service answers 200, 1 otherwise.
"""

import os
import sys
import urllib.request


def probe_host() -> str:
    first = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
    return "localhost" if first in ("", "*") else first


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health"
    request = urllib.request.Request(url, headers={"Host": probe_host()})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
