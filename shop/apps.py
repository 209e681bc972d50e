from django.apps import AppConfig


class ShopConfig(AppConfig):
    """Shared core: envelope, errors, parsing, pagination, middleware, health, idempotency keys."""

    name = "shop"
    verbose_name = "Shop core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop import db, schema  # noqa: F401  (db: per-request routing state; schema: MoneyField)
