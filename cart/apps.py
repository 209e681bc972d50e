from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "cart"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """A product deleted or archived (E34) takes its cart lines with it (`catalog.services`)."""
        from cart import services
        from catalog.services import product_removal_locked, product_removal_started

        product_removal_started.connect(services.carts_holding_product_lock, dispatch_uid="cart-lock")
        product_removal_locked.connect(services.cart_lines_of_product_delete, dispatch_uid="cart-lines")
