"""The benchmark's baseline views, mounted under /bench/ only when BENCH_BASELINE_VIEWS is on.

They run under our own server, middleware and renderer, so they show what Django + DRF cost here before
any shop logic: a fixed dict, and a plain DRF list (COUNT + one SELECT + ModelSerializer) of products.
"""

from django.urls import path
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from catalog.models import Product
from shop.views import PublicApiView

STATIC = {
    "success": True,
    "message": "ok",
    "data": {"items": [{"id": i, "name": f"item {i}"} for i in range(5)]},
}


class StaticView(PublicApiView):
    def get(self, request):
        return Response(STATIC)


class PlainProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = "__all__"


class PlainPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"


class PlainProductList(generics.ListAPIView, PublicApiView):
    queryset = Product.objects.filter(is_active=True).order_by("-created_at", "-id")
    serializer_class = PlainProductSerializer
    pagination_class = PlainPagination


urlpatterns = [
    path("static", StaticView.as_view()),
    path("drf-products", PlainProductList.as_view()),
]
