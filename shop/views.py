"""The catch-all for unknown API routes (API.md §1.1)."""

from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from shop.exceptions import NotFound


class RouteNotFoundView(APIView):
    """Every method on an unknown path under `/api/` is `404 Route not found`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound("Route")
