#!/bin/bash
# First start of the primary (docker-entrypoint-initdb.d): a role for the replica's streaming connection,
# and JIT off for the shop's database (the app connects through PgBouncer here, which passes no startup
# options; README "Scaling out").
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
ALTER DATABASE "${POSTGRES_DB}" SET jit = off;
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
