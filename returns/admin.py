"""Staff view of returns (API.md §6.1): view-only pages, decided by actions through `returns.services`
one return at a time (approve after a confirmation page, reject at once), with one error message per
refused return."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import model_ngettext
from django.db.models import Prefetch
from django.template.response import TemplateResponse

from payments.models import Payment
from returns.models import Return, ReturnItem, ReturnStatus
from returns.selectors import return_export_rows
from returns.services import return_approve, return_approve_preview, return_reject
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

#: Returned lines in the order of the order's items.
ITEM_ORDER = ("order_item__created_at", "order_item__id")


class ReturnItemInline(ReadOnlyInline):
    model = ReturnItem
    ordering = ITEM_ORDER
    fields = ("product_sku", "product_name", "quantity", "unit_price", "line_refund")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_item")

    @admin.display(description="product SKU")
    def product_sku(self, item):
        return item.order_item.product_sku

    @admin.display(description="product name")
    def product_name(self, item):
        return item.order_item.product_name

    @admin.display(description="unit price")
    def unit_price(self, item):
        return money(item.order_item.price_at_time)

    @admin.display(description="line refund")
    def line_refund(self, item):
        return money(item.order_item.price_at_time * item.quantity)


@admin.register(Return)
class ReturnAdmin(ObjectActionsMixin, CsvExportMixin, ViewOnlyMixin, admin.ModelAdmin):
    """View-only: a return is the customer's request (E28), decided only by the actions below.
    "Export CSV" streams what the list shows."""

    list_display = ("order_number", "customer_email", "status", "refund_amount", "created_at")
    list_select_related = ("order", "user")
    list_filter = ("status",)
    search_fields = ("order__order_number", "user__email")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    fields = (
        "order_number",
        "customer_email",
        "status",
        "reason",
        "notes",
        "refund_amount",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (ReturnItemInline,)
    actions = ("approve_returns", "reject_returns")

    csv_header = [
        "order number",
        "requested",
        "customer",
        "status",
        "refund amount",
        "units",
        "reason",
        "decided",
    ]

    def csv_rows(self, queryset):
        rows = return_export_rows(queryset).iterator(chunk_size=self.csv_chunk_size)
        for number, created, customer, status, refund, units, reason, updated in rows:
            decided = "" if status == ReturnStatus.REQUESTED else local_time(updated)
            yield (number, local_time(created), customer, status, money(refund), units or 0, reason, decided)

    def has_process_permission(self, request):
        """Who may decide returns: staff allowed to change them (every admin is a superuser)."""
        return request.user.has_perm("returns.change_return")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "user")

    @admin.display(description="order number", ordering="order__order_number")
    def order_number(self, ret):
        return ret.order.order_number

    @admin.display(description="customer email", ordering="user__email")
    def customer_email(self, ret):
        return ret.user.email

    @admin.action(description="Approve", permissions=["process"])
    def approve_returns(self, request, queryset):
        """Confirmation page first (refund and restock per return, nothing changed); the same POST with
        `post=yes` approves each with the computed refund and restock."""
        if request.POST.get("post") == "yes":
            return self._decide(request, queryset, approve=True)
        returns = queryset.select_related("order", "user").prefetch_related(
            Prefetch("items", queryset=ReturnItem.objects.select_related("order_item").order_by(*ITEM_ORDER)),
            Prefetch("order__payments", queryset=Payment.objects.order_by("created_at", "id")),
        )
        plans = [return_approve_preview(ret) for ret in returns.order_by("created_at", "id")]
        approving = [plan for plan in plans if plan.will_approve]
        context = {
            **self.admin_site.each_context(request),
            "title": "Approve returns",
            "subtitle": None,
            "opts": self.model._meta,
            "plans": plans,
            "approving": approving,
            "refund_total": sum((plan.ret.refund_amount for plan in approving), Decimal("0.00")),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "approve_returns",
            "media": self.media,
            **self.confirmation_context(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/returns/return/approve_confirmation.html", context)

    @admin.action(description="Reject", permissions=["process"])
    def reject_returns(self, request, queryset):
        return self._decide(request, queryset, approve=False)

    def object_actions(self, request, ret):
        """Approve and Reject while the return waits for a decision; nothing once decided."""
        if ret.status != ReturnStatus.REQUESTED:
            return []
        return [
            ObjectAction(name="approve_returns", label="Approve"),
            ObjectAction(name="reject_returns", label="Reject", danger=True),
        ]

    def _decide(self, request, queryset, *, approve: bool):
        decided = 0
        rows = queryset.order_by("created_at", "id").values_list("pk", "order__order_number")
        for return_id, number in list(rows):
            try:
                if approve:
                    return_approve(return_id=return_id, admin=request.user)
                else:
                    return_reject(return_id=return_id, admin=request.user)
            except ShopError as exc:
                self.message_user(request, f"{number}: {shop_error_text(exc)}", messages.ERROR)
                continue
            decided += 1
        if decided:
            verb = "Approved" if approve else "Rejected"
            self.message_user(
                request, f"{verb} {decided} {model_ngettext(self.opts, decided)}.", messages.SUCCESS
            )
        return self.back_to_object(request, queryset)
