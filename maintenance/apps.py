from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    """Periodic maintenance run by the worker: self-rescheduling tasks over the `manage.py` commands."""

    name = "maintenance"
