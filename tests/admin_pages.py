"""Reading and driving Django admin pages in the admin tests (log in with the `staff_client` fixture of
tests/conftest.py): changelist URLs, the text of a changelist column, bulk actions and their messages."""

from __future__ import annotations

import re

from django.contrib.messages import get_messages


def changelist_url(model) -> str:
    """The admin changelist path of `model`, spelled out: `/admin/<app label>/<model name>/`."""
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/"


def cell(html: str, column: str) -> list[str]:
    """The text of every changelist cell of `column` (the first column is a `th`, the others `td`)."""
    return [
        re.sub(r"<[^>]+>", "", match).strip()
        for match in re.findall(rf'<t[dh] class="field-{column}[^"]*">(.*?)</t[dh]>', html, re.S)
    ]


def run_action(client, action: str, *objects, **extra):
    """Post the changelist's bulk `action` on `objects` (all of one model); `extra` adds form fields, such
    as `post="yes"` to answer a confirmation page."""
    data = {"action": action, "_selected_action": [str(obj.pk) for obj in objects], **extra}
    return client.post(changelist_url(type(objects[0])), data)


def texts(response) -> list[tuple[str, str]]:
    """The (level, text) of every message the admin queued for the user."""
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]
