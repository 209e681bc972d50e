#!/bin/bash
# The replica: on first start, a copy of the primary by pg_basebackup (-R writes standby.signal and the
# streaming connection), then a hot standby that replays the primary's WAL.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_basebackup -h primary -U replicator -D "$PGDATA" -R -X stream -c fast; do
        echo "waiting for the primary"; sleep 2
    done
    chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
