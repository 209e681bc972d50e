"""`manage.py expire_reservations [--dry-run]`: delete reservations past their expiry; cart lines stay."""

from django.core.management.base import BaseCommand

from catalog import inventory


class Command(BaseCommand):
    help = "Delete reservation rows whose expires_at has passed (cart lines stay)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, dry_run=False, **options):
        count = inventory.expire_reservations(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Would delete {count} expired reservations")
        else:
            self.stdout.write(f"Deleted {count} expired reservations")
