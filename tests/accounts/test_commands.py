"""`createsuperuser` makes an admin (API.md §6.2)."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_createsuperuser_noinput_makes_an_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-Password-Long-1")

    call_command("createsuperuser", "--noinput", "--email", "Root@Example.com", verbosity=0)

    user = User.objects.get()
    assert (user.email, user.role, user.is_staff, user.is_superuser) == (
        "root@example.com",
        "admin",
        True,
        True,
    )
    assert user.check_password("Root-Password-Long-1")


def test_createsuperuser_reads_the_email_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-Password-Long-1")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "env-admin@example.com")

    call_command("createsuperuser", "--noinput", verbosity=0)

    assert User.objects.get().email == "env-admin@example.com"


def test_createsuperuser_refuses_an_existing_email_in_another_case(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-Password-Long-1")
    call_command("createsuperuser", "--noinput", "--email", "root@example.com", verbosity=0)

    with pytest.raises(CommandError, match="already taken"):
        call_command("createsuperuser", "--noinput", "--email", "ROOT@example.com", verbosity=0)
    assert User.objects.count() == 1


def test_createsuperuser_interactive_makes_an_admin(monkeypatch):
    from django.contrib.auth.management.commands import createsuperuser

    answers = iter(["interactive@example.com"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr(createsuperuser.getpass, "getpass", lambda prompt="": "Root-Password-Long-1")

    call_command("createsuperuser", interactive=True, stdin=_Tty(), verbosity=0)

    user = User.objects.get()
    assert (user.email, user.role, user.is_staff) == ("interactive@example.com", "admin", True)


class _Tty:
    def isatty(self):
        return True
