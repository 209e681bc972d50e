"""Public catalogue endpoints E10 and E11 (thin: validate, call a selector, serialize).

Both read the catalogue from the replica when one is configured (shop/db.py): a shopper may see stock a
moment old there; the cart and checkout re-check and lock it on the primary. Both answer through the
exact response cache (catalog/cache.py)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema

from catalog import selectors
from catalog.cache import CachedCatalogueView, cached_answer
from catalog.serializers import (
    ProductPageSerializer,
    ProductSerializer,
    product_data,
    product_filters_from_query,
    products_data,
)
from shop.db import reads_from_replica
from shop.exceptions import NotFound
from shop.ids import parse_uuid
from shop.pagination import EnvelopePagination
from shop.responses import success
from shop.schema import (
    IN_STOCK_SCHEMA,
    PAGE_PARAMS,
    PRICE_BOUND_SCHEMA,
    envelope,
    error_responses,
    text_param,
)
from shop.views import PublicApiView

LIST_PARAMETERS = [
    *PAGE_PARAMS,
    text_param("category", description="exact match, case-insensitive"),
    text_param("search", description="substring of name, description or SKU; no wildcards"),
    OpenApiParameter("min_price", PRICE_BOUND_SCHEMA, description="decimal 0..99999999.99, inclusive"),
    OpenApiParameter("max_price", PRICE_BOUND_SCHEMA, description="decimal 0..99999999.99, inclusive"),
    OpenApiParameter(
        "in_stock",
        IN_STOCK_SCHEMA,
        description="true/1: available > 0; false/0: no filter (case-insensitive)",
    ),
    OpenApiParameter("sort", str, description=selectors.SORT_DESCRIPTION),
]


class ProductListView(CachedCatalogueView, PublicApiView):
    """E10: active products, filtered, sorted and paginated; `stock` is the available quantity."""

    @extend_schema(
        operation_id="products_list",
        tags=["products"],
        parameters=LIST_PARAMETERS,
        responses={200: envelope("ProductListResponse", ProductPageSerializer), **error_responses(400)},
    )
    @reads_from_replica("catalog")
    def get(self, request):
        filters = product_filters_from_query(request.query_params)
        params = EnvelopePagination().params(request)

        def build(now):
            total, exact = selectors.product_total(filters, now=now)
            past_the_end = exact and params.offset >= total
            rows = (
                []
                if past_the_end
                else selectors.product_page(filters, offset=params.offset, limit=params.limit, now=now)
            )
            meta = EnvelopePagination.meta(params, total, exact=exact)
            return success("Products retrieved successfully", {"products": products_data(rows), "meta": meta})

        return cached_answer(request, build)


class ProductDetailView(CachedCatalogueView, PublicApiView):
    """E11: one active product (unknown or inactive: 404, whoever asks)."""

    @extend_schema(
        tags=["products"],
        responses={200: envelope("ProductResponse", ProductSerializer), **error_responses(400, 404)},
    )
    @reads_from_replica("catalog")
    def get(self, request, product_id):
        pk = parse_uuid(product_id, "product")

        def build(now):
            product = selectors.product_get(pk, now=now)
            if product is None:
                raise NotFound("Product")
            return success("Product retrieved successfully", product_data(product))

        return cached_answer(request, build)
