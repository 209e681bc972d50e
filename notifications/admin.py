"""Staff pages for webhooks: endpoints are registered and edited here (URL, secret, events, active);
events, deliveries and their attempts are read-only, with "send again" on deliveries."""

from django import forms
from django.contrib import admin, messages

from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from notifications.webhooks import delivery_send_again
from shop.admin import ReadOnlyInline, ViewOnlyMixin
from shop.events import ALL_EVENTS


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(name, name) for name in ALL_EVENTS], widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "secret", "events", "is_active")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "description", "is_active", "event_list", "disabled_reason")
    list_filter = ("is_active",)
    search_fields = ("url", "description")
    readonly_fields = ("disabled_reason", "disabled_at", "created_at", "updated_at")

    @admin.display(description="events")
    def event_list(self, endpoint):
        return ", ".join(endpoint.events)

    def save_model(self, request, obj, form, change):
        """Re-activating an endpoint clears why it was disabled."""
        if obj.is_active:
            obj.disabled_reason, obj.disabled_at = "", None
        super().save_model(request, obj, form, change)


class AttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ("number", "started_at", "succeeded", "response_status", "duration_ms", "error")
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = (
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "completed_at",
    )
    list_select_related = ("event", "endpoint")
    list_filter = ("status", "event__type")
    search_fields = ("event__id", "endpoint__url")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    fields = ("event", "endpoint", "status", "attempts", "next_attempt_at", "created_at", "completed_at")
    readonly_fields = fields
    inlines = (AttemptInline,)
    actions = ("send_again",)

    def has_send_permission(self, request):
        return request.user.has_perm("notifications.change_webhookdelivery")

    @admin.action(description="Send again (same webhook-id)", permissions=["send"])
    def send_again(self, request, queryset):
        for delivery in queryset.select_related("endpoint"):
            if not delivery.endpoint.is_active:
                self.message_user(
                    request,
                    f"{delivery.event_id}: endpoint {delivery.endpoint} is disabled; enable it first",
                    messages.ERROR,
                )
                continue
            again = delivery_send_again(delivery_id=delivery.pk, actor=request.user)
            self.message_user(
                request, f"{delivery.event_id}: queued again for {delivery.endpoint} (delivery {again.pk})"
            )


@admin.register(WebhookEvent)
class WebhookEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "type", "created_at")
    list_filter = ("type",)
    search_fields = ("id",)
    fields = ("id", "type", "created_at", "payload")
    readonly_fields = fields
    show_full_result_count = False
