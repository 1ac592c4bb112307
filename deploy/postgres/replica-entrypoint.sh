#!/bin/bash
# The replica: on its first start (empty data directory) a base backup of the primary, written with -R so the
# server starts as a standby that streams from the slot `replica1`; then the image's own entrypoint, which
# finds the data directory initialised and starts the server (hot standby: read-only queries).
set -euo pipefail
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD in deploy/postgres.env}"
PGDATA=${PGDATA:-/var/lib/postgresql/data}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -p 5432; do sleep 1; done
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h postgres -p 5432 -U replicator -D "$PGDATA" \
    --wal-method=stream --slot=replica1 --write-recovery-conf --progress
  chmod 0700 "$PGDATA"
fi
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on
