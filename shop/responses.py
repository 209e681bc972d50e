"""The success envelope (API.md §1.3): `{"success": true, "message": ..., "data": ...}`."""

from typing import Any

from rest_framework.response import Response

NO_DATA = object()


def success(message: str, data: Any = NO_DATA, *, status: int = 200, headers: dict | None = None) -> Response:
    body: dict[str, Any] = {"success": True, "message": message}
    if data is not NO_DATA:
        body["data"] = data
    return Response(body, status=status, headers=headers)
