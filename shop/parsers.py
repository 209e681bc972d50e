"""The request body parser of API.md §1.2."""

from __future__ import annotations

import json
import re
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


#: Deepest nesting accepted. Every body of this API is a few levels deep; a limit well below Python's
#: recursion limit means no later step (validation, logging) can hit a RecursionError on a body.
MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


def strip_nulls(value: Any, depth: int = 0) -> Any:
    """A key whose value is `null` counts as absent, at any depth.

    Also refuses (`invalid_json`) nesting deeper than `MAX_DEPTH` and strings holding a lone UTF-16
    surrogate (`"\\ud800"` is valid JSON syntax but not Unicode text: it could be neither stored nor
    echoed).
    """
    if depth > MAX_DEPTH:
        raise InvalidJSON()
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if _SURROGATE.search(key):
                raise InvalidJSON()
            if item is not None:
                out[key] = strip_nulls(item, depth + 1)
        return out
    if isinstance(value, list):
        return [strip_nulls(item, depth + 1) for item in value]
    if isinstance(value, str) and _SURROGATE.search(value):
        raise InvalidJSON()
    return value


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """Parse a body: empty is `{}`; anything but a JSON object is `invalid_json`.

    Numbers with a fraction or exponent become `Decimal` (exact money, no float detour); `NaN` and
    `Infinity` are refused, as are invalid UTF-8, integers too long to convert, and nesting deeper than
    the parser allows.
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
