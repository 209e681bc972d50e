"""Django admin pieces every app's staff pages share (imports no app)."""

from django.contrib import admin

from shop.exceptions import ShopError


class ViewOnlyMixin:
    """No add, change or delete: records that change only through the services (or not at all)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ViewOnlyMixin, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False


def shop_error_text(exc: ShopError) -> str:
    """The staff-facing reason of a refusal: the field errors when there are any, else the error text."""
    if exc.errors:
        return "; ".join(f"{name}: {text}" for name, text in exc.errors.items())
    if exc.error == type(exc).error:  # no specific error text (e.g. NotFound): the message says it
        return exc.message
    return exc.error
