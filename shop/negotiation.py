"""Content negotiation: the API always parses JSON and always answers JSON (API.md §1.2)."""

from rest_framework.negotiation import BaseContentNegotiation


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Clients of the Go service do not always send `Content-Type` or `Accept`: ignore both."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type
