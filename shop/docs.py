"""The OpenAPI schema and Swagger UI views (API.md §4.13): no envelope, except for their error answers."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from shop.negotiation import SchemaNegotiation
from shop.renderers import EnvelopeJSONRenderer
from shop.views import ApiView


class JSONErrorsMixin:
    """Error answers (a 405, say) are the JSON envelope even on views that render YAML or HTML."""

    def handle_exception(self, exc):
        self.request.accepted_renderer = EnvelopeJSONRenderer()
        self.request.accepted_media_type = EnvelopeJSONRenderer.media_type
        return super().handle_exception(exc)


class SchemaView(JSONErrorsMixin, ApiView, SpectacularAPIView):
    """E46: the OpenAPI document; JSON when the client accepts `application/json`, YAML otherwise."""

    content_negotiation_class = SchemaNegotiation


class DocsView(JSONErrorsMixin, ApiView, SpectacularSwaggerSplitView):
    """E47: Swagger UI on the schema. The split view serves its init script from `?script`, so the page
    runs under a Content-Security-Policy without inline scripts (or styles: `shop/swagger_ui.html`)."""

    template_name = "shop/swagger_ui.html"
