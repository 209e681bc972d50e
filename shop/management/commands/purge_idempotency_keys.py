"""`manage.py purge_idempotency_keys [--dry-run]` (API.md §6.2): delete the `Idempotency-Key` records
(of E21 checkouts and E26 payments) older than 24 hours, which no request can replay any more."""

from django.core.management.base import BaseCommand

from shop.idempotency import idempotency_keys_purge


class Command(BaseCommand):
    help = "Delete stored idempotency keys older than 24 hours."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count them, delete nothing.")

    def handle(self, *args, dry_run, **options):
        count = idempotency_keys_purge(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Would delete {count} idempotency keys")
        else:
            self.stdout.write(f"Deleted {count} idempotency keys")
