from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class BackofficeConfig(AppConfig):
    """The staff's Django admin site: dashboard, Security section, Activity page, shared look."""

    name = "backoffice"
    verbose_name = "Back office"


class ShopAdminConfig(AdminConfig):
    """`django.contrib.admin` with our site as `admin.site` (every `@admin.register` lands on it)."""

    default_site = "backoffice.sites.ShopAdminSite"
