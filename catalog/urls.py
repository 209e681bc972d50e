from django.urls import path

from catalog import admin_views, views

urlpatterns = [
    path("products", views.ProductListView.as_view(), name="product-list"),
    path("products/<str:product_id>", views.ProductDetailView.as_view(), name="product-detail"),
    path("admin/products", admin_views.AdminProductListCreateView.as_view(), name="admin-products"),
    path(
        "admin/products/<str:product_id>",
        admin_views.AdminProductDetailView.as_view(),
        name="admin-product-detail",
    ),
]
