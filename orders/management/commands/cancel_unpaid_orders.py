"""`manage.py cancel_unpaid_orders [--older-than MINUTES] [--dry-run]` (API.md §6.2).

Cancels `pending` card orders older than MINUTES (default 30) without a successful payment, through
the state machine (system move, actor null, note `unpaid`), which restores their stock.
"""

from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand

from orders.services import orders_cancel_unpaid

DEFAULT_MINUTES = 30


def minutes(value: str) -> int:
    """`--older-than`'s type. Refusals are argparse's own (`ArgumentTypeError`): from the command line a
    usage error and exit status 2, from `call_command` a `CommandError` (a `CommandError` raised here
    would escape as a traceback, argparse running before Django's error handling)."""
    try:
        number = int(value)
    except ValueError as exc:
        raise ArgumentTypeError(f"must be a whole number of minutes, not {value!r}") from exc
    if number < 0:
        raise ArgumentTypeError("must not be negative")
    return number


class Command(BaseCommand):
    help = "Cancel pending card orders left unpaid for longer than --older-than minutes (default 30)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=minutes, default=DEFAULT_MINUTES, metavar="MINUTES")
        parser.add_argument("--dry-run", action="store_true", help="Count them, change nothing.")

    def handle(self, *args, older_than, dry_run, **options):
        count = orders_cancel_unpaid(older_than_minutes=older_than, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Would cancel {count} unpaid orders")
        else:
            self.stdout.write(f"Cancelled {count} unpaid orders")
