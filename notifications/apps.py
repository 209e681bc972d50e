from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Customer emails and integrators' webhooks: subscribes to the domain events of `shop.events`."""

    name = "notifications"

    def ready(self):
        from notifications import subscribers

        subscribers.connect()
