"""Staff view of orders (API.md §6.1): view-only pages; the status moves only by actions that call
`order_status_set` (the E39 path) one order at a time, with one error message per refused order, so the
admin is no back door around the state machine."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import model_ngettext
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.utils.html import format_html_join

from orders.analytics import shipping_overdue_condition
from orders.models import Order, OrderEvent, OrderItem, OrderStatus, full_address
from orders.selectors import order_export_rows
from orders.services import order_cancel_preview, order_status_set
from orders.transitions import Trigger, is_repeat, moves_from
from payments.models import Payment
from shop.admin import (
    CsvExportMixin,
    ObjectAction,
    ObjectActionsMixin,
    ReadOnlyInline,
    ViewOnlyMixin,
    local_time,
    money,
    shop_error_text,
)
from shop.exceptions import ShopError


class OrderItemInline(ReadOnlyInline):
    """The lines as ordered: the name, SKU and unit price snapshots taken at checkout."""

    model = OrderItem
    fields = ("product_sku", "product_name", "quantity", "price_at_time", "line_total")
    readonly_fields = fields

    @admin.display(description="line total")
    def line_total(self, item):
        return money(item.line_total)


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = (
        "transaction_id",
        "payment_method",
        "status",
        "amount",
        "refunded_amount",
        "payment_details",
        "created_at",
    )
    readonly_fields = fields
    ordering = ("created_at", "id")


class OrderEventInline(ReadOnlyInline):
    """The status history, oldest first; the actor is empty for system moves."""

    model = OrderEvent
    verbose_name = "status change"
    verbose_name_plural = "status history"
    fields = ("from_status", "to_status", "actor_email", "note", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="actor")
    def actor_email(self, event):
        return event.actor.email if event.actor else "system"


class ShippingOverdueFilter(admin.SimpleListFilter):
    """Shipped more than `SHIPPING_OVERDUE_DAYS` ago and not delivered (the dashboard's count)."""

    title = "shipping"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("1", "Overdue (not delivered)"),)

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(shipping_overdue_condition())
        return queryset


@admin.register(Order)
class OrderAdmin(ObjectActionsMixin, CsvExportMixin, ViewOnlyMixin, admin.ModelAdmin):
    """View-only: orders are made by checkout, moved only by the actions below, and cancelled, never
    deleted. "Export CSV" streams what the list shows (filters and search kept), every page."""

    list_display = (
        "order_number",
        "customer_email",
        "status",
        "total_amount",
        "payment_method",
        "created_at",
    )
    list_select_related = ("user",)
    search_fields = ("order_number", "user__email")
    list_filter = ("status", "payment_method", "created_at", ShippingOverdueFilter)
    ordering = ("-created_at", "-id")
    show_full_result_count = False  # one COUNT per page, not two
    fields = (
        "order_number",
        "customer_email",
        "status",
        "total_amount",
        "payment_method",
        "shipping",
        "billing",
        "delivered_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (OrderItemInline, PaymentInline, OrderEventInline)
    actions = ("mark_processing", "mark_shipped", "mark_delivered", "mark_completed", "cancel_orders")

    csv_header = [
        "order number",
        "date",
        "customer",
        "status",
        "payment method",
        "payment status",
        "total",
        "refunded",
        "items",
    ]

    # --- permissions: view and actions only ------------------------------------------------------

    def has_process_permission(self, request):
        """Who may run the status actions: staff allowed to change orders (every admin is a superuser)."""
        return request.user.has_perm("orders.change_order")

    # --- columns and detail ----------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(description="customer", ordering="user__email")
    def customer_email(self, order):
        return order.user.email

    @admin.display(description="shipping address")
    def shipping(self, order):
        return _address_html(order.shipping_address)

    @admin.display(description="billing address")
    def billing(self, order):
        return _address_html(order.billing_address)

    # --- export ----------------------------------------------------------------------------------

    def csv_rows(self, queryset):
        rows = order_export_rows(queryset).iterator(chunk_size=self.csv_chunk_size)
        for number, created, customer, status, method, payment_status, total, refunded, units in rows:
            yield (
                number,
                local_time(created),
                customer,
                status,
                method,
                payment_status or "",
                money(total),
                money(refunded or 0),
                units or 0,
            )

    # --- actions ---------------------------------------------------------------------------------

    @admin.action(description="Mark processing", permissions=["process"])
    def mark_processing(self, request, queryset):
        return self._move(request, queryset, OrderStatus.PROCESSING)

    @admin.action(description="Mark shipped", permissions=["process"])
    def mark_shipped(self, request, queryset):
        return self._move(request, queryset, OrderStatus.SHIPPED)

    @admin.action(description="Mark delivered", permissions=["process"])
    def mark_delivered(self, request, queryset):
        return self._move(request, queryset, OrderStatus.DELIVERED)

    @admin.action(description="Mark completed", permissions=["process"])
    def mark_completed(self, request, queryset):
        return self._move(request, queryset, OrderStatus.COMPLETED)

    @admin.action(description="Cancel", permissions=["process"])
    def cancel_orders(self, request, queryset):
        """Like Django's `delete_selected`: a confirmation page listing, per order, the stock to restore
        and the amount to refund (changing nothing); the same POST with `post=yes` cancels."""
        if request.POST.get("post") == "yes":
            return self._move(request, queryset, OrderStatus.CANCELLED)
        orders = queryset.select_related("user").prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by("created_at", "id")),
            Prefetch("payments", queryset=Payment.objects.order_by("created_at", "id")),
        )
        plans = [order_cancel_preview(order) for order in orders.order_by("created_at", "id")]
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel orders",
            "subtitle": None,
            "opts": self.model._meta,
            "plans": plans,
            "cancelling": [plan for plan in plans if plan.will_cancel],
            "refund_total": sum((plan.refund for plan in plans if plan.will_cancel), Decimal("0.00")),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "cancel_orders",
            "media": self.media,
            **self.confirmation_context(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order/cancel_confirmation.html", context)

    def _move(self, request, queryset, status: str):
        """Move each selected order to `status` through `order_status_set` (staff actor, own transaction).

        An order already in `status` is a no-op (as with E39) reported as a warning; a refused one gets
        its own error message and stays as it was; the others still move. Started from an order's page,
        it returns there.
        """
        moved = 0
        rows = queryset.order_by("created_at", "id").values_list("pk", "order_number", "status")
        for order_id, number, current in list(rows):
            if is_repeat(current, status):
                self.message_user(request, f"{number}: already {status}, nothing changed", messages.WARNING)
                continue
            try:
                order_status_set(order_id=order_id, status=status, actor=request.user)
            except ShopError as exc:
                self.message_user(request, f"{number}: {shop_error_text(exc)}", messages.ERROR)
                continue
            moved += 1
        if moved:
            verb = "Cancelled" if status == OrderStatus.CANCELLED else "Marked"
            suffix = "" if status == OrderStatus.CANCELLED else f" as {status}"
            self.message_user(
                request, f"{verb} {moved} {model_ngettext(self.opts, moved)}{suffix}.", messages.SUCCESS
            )
        return self.back_to_object(request, queryset)

    # --- the order page's buttons: the staff moves the state machine allows from its status ------

    def object_actions(self, request, order):
        return [
            ObjectAction(
                name=STATUS_ACTIONS[status],
                label=self.get_action(STATUS_ACTIONS[status])[2],
                danger=status == OrderStatus.CANCELLED,
            )
            for status in moves_from(order.status, Trigger.STAFF)
        ]


#: The admin action that moves an order to each status.
STATUS_ACTIONS = {
    OrderStatus.PROCESSING: "mark_processing",
    OrderStatus.SHIPPED: "mark_shipped",
    OrderStatus.DELIVERED: "mark_delivered",
    OrderStatus.COMPLETED: "mark_completed",
    OrderStatus.CANCELLED: "cancel_orders",
}


def _address_html(address: dict | None):
    lines = [value for value in full_address(address).values() if value]
    return format_html_join("", "{}<br>", ((line,) for line in lines))
