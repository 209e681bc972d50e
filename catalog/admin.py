"""Staff views of the catalogue (API.md §6.1): products with live stock figures, reservations read-only.

Every product write (add, edit, delete, the bulk Archive and Restock) goes through `catalog.services`
with the staff user as actor, so it leaves the same audit entry as the admin REST API (`shop.audit`).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import model_ngettext
from django.utils import timezone

from catalog import inventory
from catalog.models import Product, Reservation
from catalog.services import (
    UPDATABLE_FIELDS,
    product_archive,
    product_create,
    product_delete,
    product_restock,
    product_update,
)
from shop.admin import CsvExportMixin, ServiceAuditedMixin, ViewOnlyMixin, local_time, money, shop_error_text
from shop.exceptions import ShopError

RESTOCK_AMOUNT_MISSING = "Enter the number of units to add (at least 1) next to the action."


class ProductActionForm(ActionForm):
    """The changelist's action bar, with the amount the Restock action adds to each selected product."""

    # Text, checked by the action itself: an invalid value here would make Django drop the whole action.
    amount = forms.CharField(
        required=False, label="Units", widget=forms.NumberInput(attrs={"min": 1, "size": 6})
    )


class LowStockFilter(admin.SimpleListFilter):
    """Active products whose available units are at most `LOW_STOCK_THRESHOLD` (the dashboard's count)."""

    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return (("low", "Low (available ≤ threshold)"),)

    def queryset(self, request, queryset):
        if self.value() == "low":
            return inventory.low_stock(queryset)
        return queryset


@admin.register(Product)
class ProductAdmin(ServiceAuditedMixin, CsvExportMixin, admin.ModelAdmin):
    """Products with live stock figures; "Export CSV" streams what the list shows; bulk Archive and
    Restock report one message per refused product."""

    action_form = ProductActionForm
    actions = ("archive_products", "restock_products")

    list_display = ("sku", "name", "price", "stock_quantity", "reserved", "available", "category", "active")
    search_fields = ("sku", "name")
    list_filter = ("category", "is_active", LowStockFilter)
    readonly_fields = ("id", "reserved", "available", "created_at", "updated_at")
    fields = (
        "id",
        "sku",
        "name",
        "description",
        "price",
        "stock_quantity",
        "reserved",
        "available",
        "category",
        "image_url",
        "is_active",
        "created_at",
        "updated_at",
    )

    csv_header = ["sku", "name", "category", "price", "stock", "reserved", "available", "active", "created"]

    def csv_rows(self, queryset):
        columns = ("sku", "name", "category", "price", "stock_quantity", "reserved", "available", "is_active")
        rows = queryset.values_list(*columns, "created_at").iterator(chunk_size=self.csv_chunk_size)
        for sku, name, category, price, stock, reserved, available, active, created in rows:
            yield (
                sku,
                name,
                category,
                money(price),
                stock,
                reserved,
                available,
                "yes" if active else "no",
                local_time(created),
            )

    def get_queryset(self, request):
        # `reserved` and `available` come from the changelist query itself, not one query per row.
        return inventory.with_stock(super().get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            # The page carries the values it showed, so `changed_data` means "edited on this page",
            # not "differs from the row now" (a checkout may have moved `stock_quantity` meanwhile).
            for field in form.base_fields.values():
                field.show_hidden_initial = True
        return form

    def save_model(self, request, obj, form, change):
        """A change writes only the fields edited on the page, through `product_update` (row lock), so
        saving a price never puts back a `stock_quantity` that a checkout has changed since the page
        was opened. A new product goes through `product_create`; `obj` then stands for the new row."""
        if not change:
            created = product_create(
                actor=request.user, **{name: form.cleaned_data[name] for name in UPDATABLE_FIELDS}
            )
            for field in Product._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding = False
            return
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in UPDATABLE_FIELDS}
        if data:
            product_update(product_id=obj.pk, data=data, actor=request.user)

    def get_deleted_objects(self, objs, request):
        """Cart lines and reservations go with the product (as with E34), whatever the staff user's
        permissions on those read-only models; an ordered product stays protected (archive it instead)."""
        to_delete, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return to_delete, model_count, set(), protected

    def delete_model(self, request, obj):
        """Like E34: the product's cart lines and reservations go, and their carts count as changed."""
        product_delete(product_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for product_id in queryset.order_by("pk").values_list("pk", flat=True):
            product_delete(product_id=product_id, actor=request.user)

    # --- bulk actions: one service call per product, one message per refused product ------------

    @admin.action(description="Archive (hide from the catalogue)", permissions=["change"])
    def archive_products(self, request, queryset):
        self._each(
            request, queryset, lambda pk: product_archive(product_id=pk, actor=request.user), "Archived"
        )

    @admin.action(description="Restock: add the units given", permissions=["change"])
    def restock_products(self, request, queryset):
        try:
            amount = forms.IntegerField(min_value=1).clean(request.POST.get("amount", ""))
        except forms.ValidationError:
            amount = None
        if amount is None:
            self.message_user(request, RESTOCK_AMOUNT_MISSING, messages.ERROR)
            return
        restock = lambda pk: product_restock(product_id=pk, quantity=amount, actor=request.user)  # noqa: E731
        self._each(request, queryset, restock, f"Restocked (+{amount})")

    def _each(self, request, queryset, apply, verb: str) -> None:
        done = 0
        for pk, sku in list(queryset.order_by("sku").values_list("pk", "sku")):
            try:
                apply(pk)
            except ShopError as exc:
                self.message_user(request, f"{sku}: {shop_error_text(exc)}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(request, f"{verb} {done} {model_ngettext(self.opts, done)}.", messages.SUCCESS)

    @admin.display(description="reserved", ordering="reserved")
    def reserved(self, product):
        return product.reserved

    @admin.display(description="available", ordering="available")
    def available(self, product):
        return product.available

    @admin.display(description="active", boolean=True, ordering="is_active")
    def active(self, product):
        return product.is_active


class ReservationStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("active", "Active"), ("expired", "Expired"))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(Reservation.active_at(now))
        if self.value() == "expired":
            return queryset.exclude(Reservation.active_at(now))
        return queryset


@admin.register(Reservation)
class ReservationAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Read-only: reservations change only through the cart and `expire_reservations`."""

    list_display = ("cart_owner", "product", "quantity", "expires_at", "active")
    list_filter = (ReservationStateFilter,)
    list_select_related = ("cart__user", "product")
    search_fields = ("cart__user__email", "product__sku", "product__name")
    ordering = ("expires_at",)

    @admin.display(description="cart owner", ordering="cart__user__email")
    def cart_owner(self, reservation):
        return reservation.cart.user.email

    @admin.display(description="active", boolean=True)
    def active(self, reservation):
        return reservation.is_active
