"""The task decorator of Django's task framework: `django.tasks` from Django 6, its backport before."""

try:  # pragma: no cover - which branch runs depends on the Django version
    from django.tasks import task
except ImportError:  # Django 5.2: the `django-tasks` backport
    from django_tasks import task

__all__ = ["task"]
