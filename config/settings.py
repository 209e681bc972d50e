"""Settings for the shop backend: every value is read from the environment here, and only here.

See README.md (Configuration) and API.md §7 for the meaning of each variable.
"""

import os
import re
import zoneinfo
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool

BASE_DIR = Path(__file__).resolve().parent.parent


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    try:
        parsed = int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc
    if parsed < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value!r}")
    return parsed


THROTTLE_PERIODS = {"s", "m", "h", "d"}


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate (`N/second|minute|hour|day`), checked at start-up: a bad one would otherwise
    fail every throttled request with a 500."""
    value = os.environ.get(name, "").strip() or default
    count, _, period = value.partition("/")  # as DRF's `parse_rate` reads it
    count = count.strip()
    if (
        not (count.isascii() and count.isdigit() and int(count) >= 1)
        or "/" in period
        or period[:1] not in THROTTLE_PERIODS
    ):
        raise ImproperlyConfigured(
            f"{name} must look like 10/minute (N/second|minute|hour|day), got {value!r}"
        )
    return value


def env_decimal(name: str, default: str) -> Decimal:
    value = os.environ.get(name, "").strip() or default
    try:
        parsed = Decimal(value)
    except ArithmeticError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from exc
    if not parsed.is_finite() or parsed <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number, got {value!r}")
    return parsed


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (or DEBUG=1 for local development)."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "backoffice.apps.BackofficeConfig",  # first: its admin templates override Django's
    "backoffice.apps.ShopAdminConfig",  # django.contrib.admin with the shop's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "shop",
    "accounts",
    "catalog",
    "cart",
    "payments",
    "orders",
    "returns",
    "notifications",
    "maintenance",
]

MIDDLEWARE = [
    "shop.middleware.RequestContextMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "shop.middleware.ApiRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shop.middleware.PageCSPMiddleware",
    # Last, as django-axes requires: turns a locked-out admin login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
APPEND_SLASH = False

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
            ],
        },
    },
]

# Database: DATABASE_URL (PostgreSQL in production and tests), else a local SQLite file so that
# `make run` needs no server. SQLite runs in WAL mode with IMMEDIATE transactions so that writers
# queue on the database lock instead of failing half-way through a transaction.
#
# DATABASE_POOLER=pgbouncer: DATABASE_URL (and DATABASE_REPLICA_URL) name PgBouncer in transaction pooling
# mode, which lends a server connection for one transaction only, so nothing may outlive a transaction on
# it: no server-side cursors (`.iterator()` would DECLARE a WITH HOLD cursor), no prepared statements
# unless PgBouncer tracks them (`max_prepared_statements`, PgBouncer >= 1.21: set
# PGBOUNCER_PREPARED_STATEMENTS=1), no Django connection pool on top (PgBouncer is the pool). Session
# settings Django sends (time zone) are among those PgBouncer tracks per client. CONN_MAX_AGE keeps the
# cheap client connection to PgBouncer, never a PostgreSQL backend. README "Scaling out".
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
DATABASE_POOLERS = {"", "pgbouncer"}
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "").strip().lower()
if DATABASE_POOLER not in DATABASE_POOLERS:
    raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or pgbouncer, got {DATABASE_POOLER!r}")
PGBOUNCER_PREPARED_STATEMENTS = env_bool("PGBOUNCER_PREPARED_STATEMENTS")
# Prepared statements (issue 19): psycopg binds parameters on the server and prepares a statement once it
# has run PREPARE_THRESHOLD times on a connection, so PostgreSQL stops planning it again (Django turns
# both off by default). The hot paths' SQL text never changes (shop.statements): planning was about a
# third of PostgreSQL's time in a shopper flow. DATABASE_PREPARED_STATEMENTS=0 returns to Django's
# defaults (client-side binding, nothing prepared).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
PREPARE_THRESHOLD = 5


# Django's PostgreSQL backend whose connection health check sends no query when the socket is quiet
# (shop/backends/postgresql/base.py): Django's sends `SELECT 1` before every request's first query.
POSTGRES_ENGINE = "shop.backends.postgresql"


def database_from_url(name: str, url: str) -> dict:
    """One DATABASES entry from a URL: persistent, health-checked connections; PostgreSQL connects within
    5 seconds; through PgBouncer, the transaction-pooling rules above."""
    database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    postgres = database["ENGINE"] == "django.db.backends.postgresql"
    if postgres:
        database["ENGINE"] = POSTGRES_ENGINE
        database.setdefault("OPTIONS", {})["connect_timeout"] = 5
        if DATABASE_POOLER != "pgbouncer":
            # No JIT: at a million products the planner's costs pass jit_above_cost and each catalogue
            # count paid 10-25 ms of compiling for a 2 ms query. Sent at connection start (no round trip);
            # through PgBouncer set it on the database instead (README "Scaling out").
            database["OPTIONS"]["options"] = "-c jit=off"
    if postgres and DATABASE_PREPARED_STATEMENTS:
        database["OPTIONS"]["server_side_binding"] = True
        database["OPTIONS"]["prepare_threshold"] = PREPARE_THRESHOLD
    if DATABASE_POOLER == "pgbouncer":
        if not postgres:
            raise ImproperlyConfigured(f"DATABASE_POOLER=pgbouncer needs a postgres:// {name}")
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        if not PGBOUNCER_PREPARED_STATEMENTS:
            database["OPTIONS"]["prepare_threshold"] = None  # psycopg never prepares a statement
    return database


if DATABASE_POOLER and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_POOLER is set but DATABASE_URL is not (it names the pooler)")
if DATABASE_URL:
    DATABASES = {"default": database_from_url("DATABASE_URL", DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
# DATABASE_REPLICA_URL: a streaming replica of the primary; the public catalogue reads go there (shop/db.py).
# Tests mirror it to the test database; real replication is tested in tests/scale/.
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != POSTGRES_ENGINE:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a postgres:// DATABASE_URL (the primary)")
    DATABASES["replica"] = database_from_url("DATABASE_REPLICA_URL", DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["shop.db.PrimaryReplicaRouter"]
for _db in DATABASES.values():  # off: each service opens its own transaction (STYLE.md)
    _db["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# The lockout guard first (django-axes): a locked account opens no admin session, right password or not.
AUTHENTICATION_BACKENDS = ["accounts.lockout.AdminLoginGuardBackend", "accounts.backends.EmailBackend"]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# Stored and served by the API in UTC; the admin shows dates (and counts "today") in the shop's zone.
TIME_ZONE = os.environ.get("TIME_ZONE", "").strip() or "UTC"
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as _exc:
    raise ImproperlyConfigured(
        f"TIME_ZONE must be an IANA zone such as Europe/Paris, got {TIME_ZONE!r}"
    ) from _exc
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = None  # WhiteNoise serves from the finders; no collectstatic step
WHITENOISE_USE_FINDERS = True  # the admin is styled with DEBUG off, no collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG

# Caches: the throttle counters (API.md §1.13) must be shared by every process. Redis when REDIS_URL is
# set; otherwise Django's database cache, in the table `shop_cache` that migration shop 0002 creates
# (`manage.py createcachetable` makes it too). MAX_ENTRIES is high because culling deletes live counters:
# each account that tried to log in within the last minute holds one row.
CACHE_TABLE = "shop_cache"
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# The catalogue's exact response cache (catalog/cache.py): per process, checked against the database's
# catalogue version on every request, so it never needs to be shared.
CATALOGUE_CACHE = env_bool("CATALOGUE_CACHE", default=True)
CACHES["catalogue"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "catalogue",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}


def env_proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """Django's SECURE_PROXY_SSL_HEADER from `Header-Name,value` (e.g. `X-Forwarded-Proto,https`); unset
    means no header is trusted. Only set it when the proxy always sets (or strips) that header."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    header, _, expected = (part.strip() for part in value.partition(","))
    if not re.fullmatch(r"[A-Za-z0-9_-]+", header) or not expected:
        raise ImproperlyConfigured(f"{name} must look like X-Forwarded-Proto,https, got {value!r}")
    meta_name = header.upper().replace("-", "_")
    return (meta_name if meta_name.startswith("HTTP_") else f"HTTP_{meta_name}"), expected


# HTTPS hardening: each off unless set, so that plain http:// works (API.md §7).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
# Probes (the Dockerfile's HEALTHCHECK, a load balancer) speak plain HTTP to the container itself.
SECURE_REDIRECT_EXEMPT = [r"^(api/v1/)?(health|ready)$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE")
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
NUM_PROXIES = env_int("NUM_PROXIES", 0)
CSRF_TRUSTED_ORIGINS = [o for o in env_list("CSRF_TRUSTED_ORIGINS", "") if "://" in o]

# CORS (API.md §1.11)
_cors_origins = env_list("CORS_ALLOWED_ORIGINS", "http://localhost:3000")
if "*" in _cors_origins:
    CORS_ALLOW_ALL_ORIGINS = True
    CORS_ALLOW_CREDENTIALS = False
else:
    CORS_ALLOWED_ORIGINS = _cors_origins
    CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
    "idempotency-key",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = ("X-Request-ID", "Retry-After", "Idempotent-Replayed")
CORS_PREFLIGHT_MAX_AGE = 86400

# Domain settings
# 24 hours by default, as the Go service: its web client keeps the access token and never refreshes.
JWT_ACCESS_MINUTES = env_int("JWT_ACCESS_MINUTES", 1440, minimum=1)
JWT_REFRESH_DAYS = env_int("JWT_REFRESH_DAYS", 7, minimum=1)
STOCK_RESERVATION_TTL_MINUTES = env_decimal("STOCK_RESERVATION_TTL_MINUTES", "10")
RETURN_WINDOW_DAYS = env_int("RETURN_WINDOW_DAYS", 30)
AUTH_THROTTLE_RATE = env_rate("AUTH_THROTTLE_RATE", "10/minute")  # login, per account (the email sent)
AUTH_IP_THROTTLE_RATE = env_rate("AUTH_IP_THROTTLE_RATE", "300/minute")  # login, register, refresh, per IP
MAX_BODY_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_BODY_BYTES
PAYMENT_GATEWAY = "payments.gateways.mock.MockGateway"
IDEMPOTENCY_KEY_TTL_HOURS = 24
DEMO_ADMIN_EMAIL = os.environ.get("DEMO_ADMIN_EMAIL", "").strip()  # admin made by `seed_demo` when both set
DEMO_ADMIN_PASSWORD = os.environ.get("DEMO_ADMIN_PASSWORD", "")
BENCH_BASELINE_VIEWS = env_bool("BENCH_BASELINE_VIEWS")  # the benchmark's /bench/ views (bench/baseline.py)

# Django admin login lockout (django-axes; records in the database, so every process sees them). An
# account locks after ADMIN_LOGIN_ACCOUNT_FAILURES failures, a client IP only after ADMIN_LOGIN_IP_FAILURES
# (one noisy account never locks an office out); a lock ends ADMIN_LOGIN_LOCKOUT_MINUTES after the last
# failure, or when lifted with `manage.py axes_reset_username <email>` / `axes_reset_ip <ip>`.
ADMIN_LOGIN_ACCOUNT_FAILURES = env_int("ADMIN_LOGIN_ACCOUNT_FAILURES", 10, minimum=1)
ADMIN_LOGIN_IP_FAILURES = env_int("ADMIN_LOGIN_IP_FAILURES", 100, minimum=1)
ADMIN_LOGIN_LOCKOUT_MINUTES = env_int("ADMIN_LOGIN_LOCKOUT_MINUTES", 30, minimum=1)
AXES_HANDLER = "accounts.lockout.AdminLoginLockHandler"
AXES_ONLY_ADMIN_SITE = True  # the API's login keeps its own throttles (API.md §1.13)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # the handler applies each one's own limit
AXES_FAILURE_LIMIT = ADMIN_LOGIN_IP_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=ADMIN_LOGIN_LOCKOUT_MINUTES)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # guesses during a lock do not prolong it
AXES_RESET_ON_SUCCESS = False  # the handler clears the account's failures only, not the IP's
AXES_USERNAME_CALLABLE = "accounts.lockout.admin_login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.admin_login_client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.admin_lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password"]

# Content-Security-Policy (django-csp) on the HTML pages only, the Django admin and Swagger UI
# (`shop.middleware.PageCSPMiddleware`): every script, style and font is served by the app itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}

# The Django admin (staff back office)
ADMIN_SITE_HEADER = os.environ.get("ADMIN_SITE_HEADER", "").strip() or "Shop administration"
ADMIN_SITE_TITLE = os.environ.get("ADMIN_SITE_TITLE", "").strip() or "Shop admin"
LOW_STOCK_THRESHOLD = env_int(
    "LOW_STOCK_THRESHOLD", 5
)  # dashboard: available ≤ this; webhook: checkout crosses it
SHIPPING_OVERDUE_DAYS = env_int("SHIPPING_OVERDUE_DAYS", 7, minimum=1)  # dashboard: shipped, not delivered

SERVICE_NAME = "ecommerce-backend"
SERVICE_VERSION = "1.0.0"


def env_seconds_list(name: str, default: str) -> list[float]:
    """A comma-separated list of non-negative seconds (a retry schedule)."""
    value = os.environ.get(name, "").strip() or default
    try:
        parsed = [float(item) for item in value.split(",") if item.strip()]
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be comma-separated seconds, got {value!r}") from exc
    if not parsed or any(not (0 <= item < 10**7) for item in parsed):
        raise ImproperlyConfigured(f"{name} must be comma-separated seconds, got {value!r}")
    return parsed


# Background work: Django's task framework (the `django-tasks` backport on Django 5.2). The default
# database backend writes each job as a row in the business transaction; `manage.py db_worker` runs
# them. TASKS_BACKEND switches it (e.g. `django_tasks_rq.RQBackend` for django-tasks-rq; README).
TASKS = {
    "default": {"BACKEND": os.environ.get("TASKS_BACKEND", "").strip() or "django_tasks_db.DatabaseBackend"}
}
# Seconds to wait before refund attempt 2, 3, …; the first entry is also how long the worker leaves a
# fresh refund to the request path. Its length is the number of attempts before `failed`.
REFUND_RETRY_SCHEDULE = env_seconds_list("REFUND_RETRY_SCHEDULE", "30,120,600,1800,7200,21600,43200,86400")

# Customer emails (sent by the worker): the console backend unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or "shop@localhost"
SHOP_NAME = os.environ.get("SHOP_NAME", "").strip() or "The shop"
EMAIL_RETRY_SCHEDULE = env_seconds_list("EMAIL_RETRY_SCHEDULE", "60,300,1800,7200,21600")
# Webhooks: seconds before attempt 2, 3, … (8 attempts over about 24 hours by default).
WEBHOOK_RETRY_SCHEDULE = env_seconds_list("WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,28800,28800")
# Periodic maintenance run by the worker (maintenance/jobs.py): seconds between runs of each job.
MAINTENANCE_INTERVALS = {
    "expire_reservations": env_int("MAINTENANCE_EXPIRE_RESERVATIONS_SECONDS", 60, minimum=1),
    "cancel_unpaid_orders": env_int("MAINTENANCE_CANCEL_UNPAID_SECONDS", 300, minimum=1),
    "purge_idempotency_keys": env_int("MAINTENANCE_PURGE_IDEMPOTENCY_SECONDS", 3600, minimum=1),
    "requeue_stuck": env_int("MAINTENANCE_REQUEUE_STUCK_SECONDS", 300, minimum=1),
    "prune_db_task_results": env_int("MAINTENANCE_PRUNE_TASK_RESULTS_SECONDS", 86400, minimum=1),
}
WEBHOOK_TIMEOUT_SECONDS = float(env_decimal("WEBHOOK_TIMEOUT_SECONDS", "5"))

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["shop.renderers.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["shop.parsers.StrictJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "shop.negotiation.JSONOnlyNegotiation",
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_METADATA_CLASS": None,
    "EXCEPTION_HANDLER": "shop.handlers.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": NUM_PROXIES,
    "COERCE_DECIMAL_TO_STRING": False,
    "DATETIME_FORMAT": "iso-8601",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=JWT_REFRESH_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shop backend API",
    "DESCRIPTION": "REST API of the shop backend; the contract is API.md.",
    "VERSION": SERVICE_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "",
    "SCHEMA_PATH_PREFIX_TRIM": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI's assets come from drf-spectacular-sidecar: served locally, no CDN needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request and response components apart, so that request strings carry their own rules (minLength,
    # the no-NUL pattern: shop.schema) and the schema is as strict as the API, no stricter.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shop.schema.uuid_path_ids",
        "shop.schema.nullable_optional_request_fields",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "PaymentStatusEnum": "payments.models.PaymentStatus",
        "PaymentMethodEnum": "payments.models.PaymentMethod",
        "RoleEnum": "accounts.models.Role",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(message)s"},
        "default": {"format": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "access": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"},
        "console": {"class": "logging.StreamHandler", "formatter": "default"},
    },
    "loggers": {
        "shop.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "shop": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
