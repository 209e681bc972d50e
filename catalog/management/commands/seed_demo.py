"""`manage.py seed_demo`: the demo catalogue and, with DEMO_ADMIN_EMAIL/PASSWORD set, a demo admin.

Idempotent: products are matched by SKU and existing ones are left untouched; running it twice
changes nothing.
"""

from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import admin_ensure
from catalog.services import product_ensure

DEMO_PRODUCTS = (
    {
        "sku": "LAP-001",
        "name": "Gaming Laptop",
        "price": Decimal("1499.99"),
        "stock_quantity": 25,
        "category": "Electronics",
        "description": "High-performance gaming laptop.",
    },
    {
        "sku": "PHN-001",
        "name": "Smartphone Pro",
        "price": Decimal("999.99"),
        "stock_quantity": 50,
        "category": "Electronics",
        "description": "Flagship smartphone.",
    },
    {
        "sku": "BOK-001",
        "name": "Go Programming",
        "price": Decimal("39.99"),
        "stock_quantity": 100,
        "category": "Books",
        "description": "Learn Go programming.",
    },
    {
        "sku": "HD-001",
        "name": "Wireless Headphones",
        "price": Decimal("199.99"),
        "stock_quantity": 75,
        "category": "Audio",
        "description": "Noise-cancelling wireless headphones.",
    },
)


class Command(BaseCommand):
    help = "Create the demo catalogue (and the DEMO_ADMIN_* admin when set) if missing."

    def handle(self, *args, **options):
        for fields in DEMO_PRODUCTS:
            product, created = product_ensure(**fields)
            if created:
                self.stdout.write(f"Created product {product.sku} {product.name}")
        email, password = settings.DEMO_ADMIN_EMAIL, settings.DEMO_ADMIN_PASSWORD
        if email and password:
            user, created = admin_ensure(email=email, password=password)
            if created:
                self.stdout.write(f"Created admin {user.email}")
        self.stdout.write("Demo data ready")
