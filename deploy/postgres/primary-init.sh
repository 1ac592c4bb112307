#!/bin/bash
# Run by the official postgres image once, when it creates the primary's data directory
# (/docker-entrypoint-initdb.d): a role for replication, a physical slot for the replica (the primary keeps the
# WAL the replica has not received yet), and the pg_hba line that lets the role connect for replication.
set -euo pipefail
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD in deploy/postgres.env}"
psql -v ON_ERROR_STOP=1 -v pw="$REPLICATION_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
SELECT pg_create_physical_replication_slot('replica1');
SQL
echo 'host replication replicator all scram-sha-256' >> "$PGDATA/pg_hba.conf"
