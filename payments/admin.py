"""Staff view of payments (API.md §6.1): read-only. Payments change only through checkout, E26 and the
cancel/return services (charges and refunds go through the gateway), never by hand."""

from django.contrib import admin

from payments.models import Payment
from shop.admin import ViewOnlyMixin


@admin.register(Payment)
class PaymentAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = (
        "transaction_id",
        "order_number",
        "payment_method",
        "status",
        "amount",
        "refunded_amount",
        "created_at",
    )
    list_select_related = ("order",)
    list_filter = ("status", "payment_method")
    # Not in the §6.1 table, added because support staff look payments up by these two.
    search_fields = ("transaction_id", "order__order_number")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    fields = (
        "transaction_id",
        "order_number",
        "payment_method",
        "status",
        "amount",
        "refunded_amount",
        "payment_details",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")

    @admin.display(description="order number", ordering="order__order_number")
    def order_number(self, payment):
        return payment.order.order_number
