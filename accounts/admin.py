"""Django admin for users: the role is edited, the staff flags follow it (User.save)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts.models import User, normalize_email
from accounts.services import STAFF_EDITABLE_USER_FIELDS, email_taken, user_access_check, user_staff_update
from shop.admin import ServiceAuditedMixin
from shop.exceptions import LastAdmin

EMAIL_TAKEN = "A user with this email already exists."


class EmailFormMixin:
    """Normalize the email and refuse one taken in any case with a readable message (rather than the
    database constraint's name)."""

    def clean_email(self):
        email = normalize_email(self.cleaned_data.get("email"))
        if email_taken(email, exclude_id=self.instance.pk):
            raise forms.ValidationError(EMAIL_TAKEN, code="unique")
        return email


class UserCreationForm(EmailFormMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role")


class UserEditForm(EmailFormMixin, UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role", "is_active")

    def clean(self):
        """The last active admin can be neither demoted nor deactivated (API.md §5.1), as in E42. The admin's
        change view is one transaction, so the lock `user_access_check` takes holds until the save."""
        cleaned = super().clean()
        user = self.instance  # still the stored values: the form is copied onto it after clean()
        try:
            user_access_check(
                user=user,
                role=cleaned.get("role", user.role),
                is_active=cleaned.get("is_active", user.is_active),
            )
        except LastAdmin as exc:
            raise forms.ValidationError(exc.error, code="last_admin") from exc
        return cleaned


@admin.register(User)
class UserAdmin(ServiceAuditedMixin, DjangoUserAdmin):
    """Edits go through `user_staff_update` (the last-admin rule under lock, an audit entry of what
    changed, old → new, as E42 writes for a role); adding a user and setting a password are Django's own
    (and logged by Django)."""

    audited_adds = False
    audited_deletes = False
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "first_name", "last_name", "role", "is_active", "created_at")
    list_filter = ("role", "is_active")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("-created_at", "-id")
    readonly_fields = ("created_at", "updated_at", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name")}),
        ("Access", {"fields": ("role", "is_active")}),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "role", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ()

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        data = {
            name: form.cleaned_data[name] for name in form.changed_data if name in STAFF_EDITABLE_USER_FIELDS
        }
        if data:
            user_staff_update(user_id=obj.pk, data=data, actor=request.user)
