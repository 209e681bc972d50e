"""A test URLconf: the real routes plus a few views that exist only to exercise the shared machinery
(`@pytest.mark.urls("tests.shop.urls")`)."""

from django.db import connections
from django.urls import path
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated

from accounts.permissions import IsAdmin
from config.urls import urlpatterns as real_urlpatterns
from shop.responses import success
from shop.views import ApiView, PublicApiView

#: The connection alias `DatabaseView` queries (tests point it at a closed port).
DATABASE_ALIAS = {"name": "default"}


class BoomView(PublicApiView):
    def get(self, request):
        raise RuntimeError("secret internals: password=hunter2")


class NotAcceptableView(PublicApiView):
    def get(self, request):
        raise exceptions.NotAcceptable()


class AdminOnlyView(ApiView):
    permission_classes = [IsAuthenticated, IsAdmin]

    def get(self, request):
        return success("Admin area", {"role": request.user.role})


class AddressSerializer(serializers.Serializer):
    city = serializers.CharField(max_length=50)
    lines = serializers.ListField(child=serializers.CharField(), required=False)


class LineSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)


class EchoSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=20)
    quantity = serializers.IntegerField(min_value=1)
    note = serializers.CharField(required=False)
    address = AddressSerializer(required=False)
    items = LineSerializer(many=True, required=False)


class EchoView(PublicApiView):
    """Validates a body and echoes what the view received."""

    def post(self, request):
        serializer = EchoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return success("Echo", {"validated": serializer.validated_data, "raw_keys": sorted(request.data)})

    def put(self, request):
        return success("Raw", {"raw": request.data})


class DatabaseView(PublicApiView):
    def get(self, request):
        with connections[DATABASE_ALIAS["name"]].cursor() as cursor:
            cursor.execute("SELECT 1")
        return success("Database reached")


urlpatterns = [
    path("api/v1/test/boom", BoomView.as_view()),
    path("api/v1/test/not-acceptable", NotAcceptableView.as_view()),
    path("api/v1/test/admin-only", AdminOnlyView.as_view()),
    path("api/v1/test/echo", EchoView.as_view()),
    path("api/v1/test/database", DatabaseView.as_view()),
    *real_urlpatterns,
]
