"""The Activity page: every staff write's audit entry (`shop.audit`), newest first, filterable by staff
member, kind of object and date; read-only."""

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.utils.html import format_html

from shop.admin import ViewOnlyMixin

ACTIONS = {1: "added", 2: "changed", 3: "deleted"}


@admin.register(LogEntry)
class ActivityAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("action_time", "staff_member", "what", "target", "change")
    list_filter = (
        ("user", admin.RelatedOnlyFieldListFilter),
        ("content_type", admin.RelatedOnlyFieldListFilter),
        "action_flag",
        "action_time",
    )
    list_select_related = ("user", "content_type")
    search_fields = ("object_repr", "change_message", "user__email")
    ordering = ("-action_time", "-id")
    show_full_result_count = False
    date_hierarchy = None
    fields = ("action_time", "staff_member", "what", "target", "change")
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, extra_context={"title": "Activity", **(extra_context or {})})

    @admin.display(description="staff member", ordering="user__email")
    def staff_member(self, entry):
        user = entry.user
        name = user.get_full_name()
        return f"{name} <{user.email}>" if name else user.email

    @admin.display(description="action", ordering="action_flag")
    def what(self, entry):
        kind = entry.content_type.name if entry.content_type else "object"
        return f"{ACTIONS.get(entry.action_flag, '?')} {kind}"

    @admin.display(description="object", ordering="object_repr")
    def target(self, entry):
        url = None if entry.is_deletion() else entry.get_admin_url()
        return format_html('<a href="{}">{}</a>', url, entry.object_repr) if url else entry.object_repr

    @admin.display(description="what changed")
    def change(self, entry):
        return entry.get_change_message()
