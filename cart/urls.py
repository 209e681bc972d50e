from django.urls import path

from cart import views

urlpatterns = [
    path("cart", views.CartView.as_view(), name="cart"),
    path("cart/validate", views.CartValidateView.as_view(), name="cart-validate"),
    path("cart/items", views.CartItemsView.as_view(), name="cart-items"),
    path("cart/items/<str:item_id>", views.CartItemView.as_view(), name="cart-item"),
]
