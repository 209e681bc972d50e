#!/bin/sh
# The image's two roles: `web` (gunicorn, the API and admin) and `worker` (the task worker, which also
# schedules the periodic maintenance). Anything else runs as given (e.g. `python manage.py migrate`).
set -e
case "${1:-web}" in
    web) exec gunicorn ;;
    worker)
        python manage.py schedule_maintenance
        exec python manage.py db_worker --no-reload --queue-name '*'
        ;;
    *) exec "$@" ;;
esac
