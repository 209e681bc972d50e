from django.urls import path

from payments import views

urlpatterns = [
    path("payments", views.PaymentCreateView.as_view(), name="payments"),
    path("payments/history", views.PaymentHistoryView.as_view(), name="payment-history"),
    path("payments/<str:payment_id>/verify", views.PaymentVerifyView.as_view(), name="payment-verify"),
]
