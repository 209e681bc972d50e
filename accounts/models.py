"""The custom user: UUID key, email login (case-insensitive), role kept in step with Django's flags."""

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


def normalize_email(email: str) -> str:
    """Emails are stored trimmed and lower-case (API.md §5.1)."""
    return (email or "").strip().lower()


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    ADMIN = "admin", "Admin"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def with_email(self, email: str) -> models.QuerySet:
        """Users whose email equals `email` case-insensitively. Compares `LOWER(email)`, so PostgreSQL
        answers from the case-insensitive unique index (an `iexact` lookup compares `UPPER(...)`, which
        no index covers)."""
        return (
            self.get_queryset().alias(email_lower=Lower("email")).filter(email_lower=normalize_email(email))
        )

    def get_by_natural_key(self, username):
        return self.with_email(username).get()

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("The email must be set")
        user = self.model(email=normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.CUSTOMER)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["role"] = Role.ADMIN
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Role is the source of truth: `admin` ⇔ staff (and superuser, so staff can use the whole Django
    admin); `customer` clears both flags. `save()` keeps them in step, whoever changes the role."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        indexes = [models.Index(fields=["-created_at", "-id"], name="user_newest")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        """First and last name (Django's admin shows it beside the email, e.g. on History pages)."""
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def sync_role_flags(self) -> None:
        admin = self.role == Role.ADMIN
        self.is_staff = admin
        self.is_superuser = admin

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        self.sync_role_flags()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "role" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_staff", "is_superuser", "updated_at"}
        super().save(*args, **kwargs)
