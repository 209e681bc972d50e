from django.urls import path

from orders import admin_views, views

urlpatterns = [
    path("orders", views.OrderListCreateView.as_view(), name="orders"),
    path("orders/<str:order_id>", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<str:order_id>/cancel", views.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<str:order_id>/payment", views.OrderPaymentView.as_view(), name="order-payment"),
    path("admin/products/top", admin_views.AdminTopProductsView.as_view(), name="admin-products-top"),
    path("admin/orders", admin_views.AdminOrderListView.as_view(), name="admin-orders"),
    path("admin/orders/recent", admin_views.AdminRecentOrdersView.as_view(), name="admin-orders-recent"),
    path(
        "admin/orders/<str:order_id>", admin_views.AdminOrderDetailView.as_view(), name="admin-order-detail"
    ),
    path(
        "admin/orders/<str:order_id>/status",
        admin_views.AdminOrderStatusView.as_view(),
        name="admin-order-status",
    ),
    path("admin/analytics", admin_views.AdminAnalyticsView.as_view(), name="admin-analytics"),
]
