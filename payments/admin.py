"""Staff view of payments (API.md §6.1): read-only. Payments change only through checkout, E26 and the
cancel/return services (charges and refunds go through the gateway), never by hand. Refunds are
read-only too, with one action: retry a failed refund through `refund_retry`."""

from django.contrib import admin, messages

from payments.models import Payment, Refund
from payments.services import refund_retry
from shop.admin import ReadOnlyInline, ViewOnlyMixin
from shop.exceptions import InvalidTransition

REFUND_FIELDS = (
    "amount",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "idempotency_key",
    "created_at",
    "completed_at",
)


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = REFUND_FIELDS
    readonly_fields = REFUND_FIELDS


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
    inlines = (RefundInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")

    @admin.display(description="order number", ordering="order__order_number")
    def order_number(self, payment):
        return payment.order.order_number


@admin.register(Refund)
class RefundAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = (
        "payment",
        "order_number",
        "amount",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    )
    list_select_related = ("payment__order",)
    list_filter = ("status",)
    search_fields = ("payment__transaction_id", "payment__order__order_number", "idempotency_key")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    fields = ("payment", *REFUND_FIELDS)
    readonly_fields = fields
    actions = ("retry_refunds",)

    def has_retry_permission(self, request):
        return request.user.has_perm("payments.change_refund")

    @admin.display(description="order number", ordering="payment__order__order_number")
    def order_number(self, refund):
        return refund.payment.order.order_number

    @admin.action(description="Retry the selected failed refunds", permissions=["retry"])
    def retry_refunds(self, request, queryset):
        for refund in queryset:
            try:
                refund_retry(refund_id=refund.pk, actor=request.user)
            except InvalidTransition as exc:
                self.message_user(request, f"{refund.payment}: {exc.error}", messages.ERROR)
            else:
                self.message_user(request, f"{refund.payment}: refund of {refund.amount} queued for retry")
