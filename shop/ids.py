"""Path ids (API.md §1.8): a UUID, hyphenated, case-insensitive; anything else is `400 invalid_id`."""

import re
import uuid

from shop.exceptions import InvalidId

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def parse_uuid(value: str, resource: str) -> uuid.UUID:
    if not isinstance(value, str) or not UUID_RE.fullmatch(value):
        raise InvalidId(resource)
    return uuid.UUID(value)
