"""The admin site staff use: header and title from settings, the technical models under "Security"."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin

#: (app label, model name) of the technical models grouped under the "Security" section.
SECURITY_MODELS = (
    ("admin", "logentry"),
    ("auth", "group"),
    ("token_blacklist", "outstandingtoken"),
    ("token_blacklist", "blacklistedtoken"),
    ("axes", "accessattempt"),
    ("axes", "accessfailurelog"),
    ("axes", "accesslog"),
)
#: Names shown for some of them (the audit trail is the "Activity" page).
SECURITY_NAMES = {("admin", "logentry"): "Activity"}


class ShopAdminSite(admin.AdminSite):
    index_title = "Store operations"
    index_template = "admin/dashboard.html"
    # No app sidebar on every page: the changelists keep the width of a laptop screen for their columns
    # (the index and the breadcrumbs lead everywhere).
    enable_nav_sidebar = False

    def index(self, request, extra_context=None):
        """Django's index (the app list) with the dashboard above it, for staff who may view orders."""
        context = dict(extra_context or {})
        if request.user.has_perm("orders.view_order"):
            # Imported here: this module is loaded while the admin app starts, before it may touch models.
            from backoffice.chart import revenue_chart
            from backoffice.dashboard import dashboard

            figures = dashboard()
            context["dashboard"] = figures
            context["chart"] = revenue_chart(figures["series"])
        return super().index(request, extra_context=context)

    @property
    def site_header(self):
        return settings.ADMIN_SITE_HEADER

    @property
    def site_title(self):
        return settings.ADMIN_SITE_TITLE

    def get_app_list(self, request, app_label=None):
        """The apps as Django lists them, with Groups, the token blacklist's and the login lockout's
        tables and the Activity page moved into one "Security" section at the end (an app's own index
        page is left as it is)."""
        app_list = super().get_app_list(request, app_label)
        if app_label is not None:
            return app_list
        security, kept = [], []
        for app in app_list:
            models = []
            for model in app["models"]:
                key = (app["app_label"], model["object_name"].lower())
                if key in SECURITY_MODELS:
                    model = {**model, "name": SECURITY_NAMES.get(key, model["name"])}
                    security.append((SECURITY_MODELS.index(key), model))
                else:
                    models.append(model)
            if models:
                kept.append({**app, "models": models})
        if security:
            models = [model for _, model in sorted(security, key=lambda pair: pair[0])]
            kept.append(
                {
                    "name": "Security",
                    "app_label": "security",
                    "app_url": models[0]["admin_url"],
                    "has_module_perms": True,
                    "models": models,
                }
            )
        return kept
