FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000 \
    WEB_CONCURRENCY=3

WORKDIR /app
RUN useradd --create-home --uid 10001 shop
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=shop:shop . .
USER shop

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=6s --start-period=20s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]

# Two roles (scripts/docker-entrypoint.sh): `web` (the default) serves with gunicorn, which reads
# /app/gunicorn.conf.py (PORT, WEB_CONCURRENCY, timeouts, request limits; its access log is off: the
# app writes its own JSON line per request on stdout); `worker` runs the task worker (refunds, emails,
# webhooks, periodic maintenance). Migrations are a release step: `docker run … python manage.py migrate`
# (which also creates shop_cache, the table of the throttle counters when REDIS_URL is unset).
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["web"]
