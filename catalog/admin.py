"""Staff views of the catalogue (API.md §6.1): products with live stock figures, reservations read-only."""

from django.contrib import admin
from django.utils import timezone

from catalog import inventory
from catalog.models import Product, Reservation


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "price", "stock_quantity", "reserved", "available", "category", "active")
    search_fields = ("sku", "name")
    list_filter = ("category", "is_active")
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

    def get_queryset(self, request):
        # `reserved` and `available` come from the changelist query itself, not one query per row.
        return inventory.with_stock(super().get_queryset(request))

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
            return queryset.filter(expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now)
        return queryset


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
