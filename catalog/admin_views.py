"""Admin product endpoints E31–E34 (API.md §4.9): thin views over catalog services and selectors."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema

from accounts.permissions import AdminApiView
from catalog import selectors, services
from catalog.admin_serializers import ProductWriteSerializer
from catalog.serializers import (
    ProductPageSerializer,
    ProductSerializer,
    product_data,
    product_filters_from_query,
    products_data,
)
from shop.exceptions import DuplicateSku, failure_message
from shop.ids import parse_uuid
from shop.pagination import EnvelopePagination, range_days_param, since_for_range
from shop.responses import success
from shop.schema import (
    IN_STOCK_SCHEMA,
    NULL_DATA,
    PAGE_PARAMS,
    PRICE_BOUND_SCHEMA,
    RANGE_PARAM,
    envelope,
    error_responses,
    text_param,
)

CREATE_FAILED = "Failed to create product"
UPDATE_FAILED = "Failed to update product"

LIST_PARAMS = [
    *PAGE_PARAMS,
    RANGE_PARAM,
    text_param("category"),
    text_param("search"),
    OpenApiParameter("min_price", PRICE_BOUND_SCHEMA),
    OpenApiParameter("max_price", PRICE_BOUND_SCHEMA),
    OpenApiParameter("in_stock", IN_STOCK_SCHEMA, description="true/1: available > 0; false/0: no filter"),
    OpenApiParameter("sort", str, description=selectors.SORT_DESCRIPTION),
]


class AdminProductListCreateView(AdminApiView):
    @extend_schema(
        tags=["admin: products"],
        operation_id="admin_products_list",
        parameters=LIST_PARAMS,
        responses={
            200: envelope("AdminProductListResponse", ProductPageSerializer),
            **error_responses(400, 401, 403),
        },
    )
    def get(self, request):
        """E32: every product, inactive ones included, with E10's filters plus `range_days`."""
        filters = product_filters_from_query(request.query_params)
        products = selectors.product_list(
            filters, include_inactive=True, since=since_for_range(range_days_param(request))
        )
        data = EnvelopePagination().paginate(products, request, key="products", serialize=products_data)
        return success("Products retrieved successfully", data)

    @extend_schema(
        tags=["admin: products"],
        request=ProductWriteSerializer,
        responses={
            201: envelope("AdminProductCreateResponse", ProductSerializer),
            **error_responses(400, 401, 403, 409),
        },
    )
    def post(self, request):
        """E31: a new product; the answer is the product as stored (rounded price)."""
        data = self.validated(ProductWriteSerializer)
        with failure_message(CREATE_FAILED, DuplicateSku):
            product = services.product_create(**data, actor=request.user)
        return success(
            "Product created successfully",
            product_data(selectors.product_get(product.pk, include_inactive=True)),
            status=201,
        )


class AdminProductDetailView(AdminApiView):
    @extend_schema(
        tags=["admin: products"],
        request=ProductWriteSerializer(partial=True),
        responses={
            200: envelope("AdminProductUpdateResponse", ProductSerializer),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def put(self, request, product_id: str):
        """E33: partial update; only the keys sent change."""
        pk = parse_uuid(product_id, "product")
        data = self.validated(ProductWriteSerializer, partial=True)
        with failure_message(UPDATE_FAILED, DuplicateSku):
            product = services.product_update(product_id=pk, data=data, actor=request.user)
        return success("Product updated successfully", product_data(product))

    @extend_schema(
        tags=["admin: products"],
        responses={
            200: envelope("AdminProductDeleteResponse", NULL_DATA),
            **error_responses(400, 401, 403, 404),
        },
    )
    def delete(self, request, product_id: str):
        """E34: archive a product that is in an order, delete any other; cart lines and holds go."""
        services.product_delete(product_id=parse_uuid(product_id, "product"), actor=request.user)
        return success("Product deleted successfully", None)
