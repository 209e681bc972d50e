"""Content negotiation: the API always parses JSON and always answers JSON (API.md §1.2)."""

from rest_framework.negotiation import BaseContentNegotiation


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Clients of the Go service do not always send `Content-Type` or `Accept`: ignore both."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


class SchemaNegotiation(BaseContentNegotiation):
    """The schema view (E46): JSON when the client accepts `application/json` (or asks `?format=json`),
    YAML otherwise. Never a 406: an unsatisfiable `Accept` gets YAML, the documented default."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "")
        wants_json = request.query_params.get("format") == "json"
        json_renderers = [renderer for renderer in renderers if renderer.format == "json"]
        for renderer in json_renderers:
            if renderer.media_type in accept:
                return renderer, renderer.media_type
        if wants_json and json_renderers:
            return json_renderers[-1], json_renderers[-1].media_type
        yaml = next((renderer for renderer in renderers if renderer.format == "yaml"), renderers[0])
        return yaml, yaml.media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None
