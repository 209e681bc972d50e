"""The request body parser of API.md §1.2."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from rest_framework.parsers import BaseParser

from shop.exceptions import InvalidJSON, PayloadTooLarge


def _refuse_constant(name: str) -> None:
    raise ValueError(f"non-finite number {name}")


def _parse_float(text: str) -> Decimal:
    value = Decimal(text)
    if not value.is_finite():  # pragma: no cover - json never yields these, kept for safety
        raise ValueError("non-finite number")
    return value


def strip_nulls(value: Any) -> Any:
    """A key whose value is `null` counts as absent, at any depth."""
    if isinstance(value, dict):
        return {key: strip_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [strip_nulls(item) for item in value]
    return value


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """Parse a body: empty is `{}`; anything but a JSON object is `invalid_json`.

    Numbers with a fraction or exponent become `Decimal` (exact money, no float detour); `NaN` and
    `Infinity` are refused, as are invalid UTF-8 and nesting deeper than the parser allows.
    """
    if len(raw) > settings.MAX_BODY_BYTES:
        raise PayloadTooLarge()
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_parse_float)
    except (ValueError, RecursionError) as exc:
        raise InvalidJSON() from exc
    if not isinstance(data, dict):
        raise InvalidJSON()
    return strip_nulls(data)


class StrictJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(settings.MAX_BODY_BYTES + 1) if stream is not None else b""
        return parse_json_body(raw)
