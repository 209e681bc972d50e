"""`manage.py seed_demo`: the demo catalogue and, with DEMO_ADMIN_EMAIL/PASSWORD set, a demo admin.

Idempotent: running it twice changes nothing.
"""

import os

from django.core.management.base import BaseCommand

from accounts.services import admin_ensure


class Command(BaseCommand):
    help = "Create the demo catalogue (and the DEMO_ADMIN_* admin when set) if missing."

    def handle(self, *args, **options):
        email = os.environ.get("DEMO_ADMIN_EMAIL", "").strip()
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "")
        if email and password:
            user, created = admin_ensure(email=email, password=password)
            if created:
                self.stdout.write(f"Created admin {user.email}")
        self.stdout.write("Demo data ready")
