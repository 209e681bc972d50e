"""`manage.py check_inventory` (API.md §6.2): report broken invariants, one line each, or `Inventory OK`.

Checked: negative `stock_quantity`; active reservations exceeding `stock_quantity`; orders whose
`total_amount` differs from Σ quantity × `price_at_time`; orders with more than one successful payment;
payments whose `refunded_amount` is not Σ of their succeeded refunds; refunds failed for good.
Exit status 1 when anything is reported, else 0 (usable from cron and monitoring).
"""

import sys

from django.core.management.base import BaseCommand

from orders.selectors import inventory_problems


class Command(BaseCommand):
    help = "Report broken stock, order and payment invariants; exit 1 if there is any."

    def handle(self, *args, **options):
        problems = inventory_problems()
        if not problems:
            self.stdout.write("Inventory OK")
            return
        for problem in problems:
            self.stdout.write(problem)
        sys.exit(1)
