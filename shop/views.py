"""Base views every app's API views derive from, and the catch-all for unknown API routes (API.md §1.1)."""

from __future__ import annotations

from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from shop.exceptions import NotFound

#: Methods a view never "allows": metadata is disabled, so a plain OPTIONS is answered with a 405, and CORS
#: preflights are answered by django-cors-headers before any view runs.
NEVER_ALLOWED = frozenset({"OPTIONS"})


def view_allows(view_class: type, method: str) -> bool:
    """Whether `view_class` answers `method` with something other than a 405 (HEAD follows GET)."""
    name = method.lower()
    if method.upper() in NEVER_ALLOWED or name not in getattr(view_class, "http_method_names", ()):
        return False
    return hasattr(view_class, name) or (name == "head" and hasattr(view_class, "get"))


class ApiView(APIView):
    """Base of every API view: the `Allow` header (on every answer, the 405 included) lists only the
    methods the view really answers, never OPTIONS."""

    @property
    def allowed_methods(self) -> list[str]:
        return [method for method in super().allowed_methods if method not in NEVER_ALLOWED]

    def initial(self, request, *args, **kwargs):
        """A wrong method is answered before authentication, permissions and throttling (API.md §1.14:
        route and method first); DRF alone would answer a 401 to `DELETE /users/profile` without a token."""
        if request.method.upper() not in self.allowed_methods:
            self.http_method_not_allowed(request, *args, **kwargs)
        super().initial(request, *args, **kwargs)

    def validated(self, serializer_class, data=None, *, partial: bool = False, **context) -> dict:
        """`serializer_class` run over `data` (default: the request body); a failure is the
        `validation_error` envelope. Keyword arguments become the serializer's context."""
        serializer = serializer_class(
            data=self.request.data if data is None else data, partial=partial, context=context
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class PublicApiView(ApiView):
    """A public endpoint: no authentication at all (a stray `Authorization` header is ignored)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class RouteNotFoundView(PublicApiView):
    """Every method on an unknown path under `/api/` is `404 Route not found`."""

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound("Route")

    def finalize_response(self, request, response, *args, **kwargs):
        """No `Allow` header: an unknown path has no methods to list (DRF would send an empty one)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        del response["Allow"]
        return response
