"""Settings of the benchmark's peer: a stock django-oscar 4.2 shop with django-oscar-api 3.3.

Only what Oscar's documentation asks for to stand a shop up, plus what makes the comparison fair: DEBUG
off, PostgreSQL with the same connection reuse as ours, pages of 20, no throttles, dummy e-mail.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from oscar import INSTALLED_APPS as OSCAR_APPS
from oscar.defaults import *  # noqa: F403  (Oscar's documented way to take its defaults)

BASE_DIR = Path(__file__).resolve().parent
DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "peer-benchmark-only-secret-key-0123456789abcdef")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "oscar_urls"
SITE_ID = 1

_url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oscar_bench"))
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": unquote(_url.username or "postgres"),
        "PASSWORD": unquote(_url.password or ""),
        "HOST": _url.hostname or "127.0.0.1",
        "PORT": str(_url.port or 5432),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [*OSCAR_APPS, "rest_framework", "oscarapi"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    }
]
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
STATIC_URL = "/static/"
MEDIA_ROOT = str(BASE_DIR / "media")
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-gb"
OSCAR_DEFAULT_CURRENCY = "EUR"
OSCARAPI_BLOCK_ADMIN_API_ACCESS = True

REST_FRAMEWORK = {
    # A session login (E8's equivalent, once per shopper) without CSRF tokens: an API client's flow.
    "DEFAULT_AUTHENTICATION_CLASSES": ["oscar_auth.SessionAuthenticationNoCsrf"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
OSCAR_DELETE_IMAGE_FILES = False  # the bench has no images (and no sorl.thumbnail); reloads delete categories
