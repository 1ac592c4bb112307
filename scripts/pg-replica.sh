#!/usr/bin/env bash
# A streaming replica (hot standby) of the local PostgreSQL cluster that scripts/ci-postgres.sh provides, as a
# second Debian cluster on this machine: for the replica benchmark (npm run bench -- replica) and for trying
# DATABASE_REPLICA_URL by hand. Debian/Ubuntu, run as root or with passwordless sudo.
#
#   bash scripts/pg-replica.sh start [PORT]   # creates it on first use (pg_basebackup -R), starts it, waits until
#                                             # it is a standby; prints DATABASE_REPLICA_URL=… on stdout
#   bash scripts/pg-replica.sh stop           # a clean stop
#   bash scripts/pg-replica.sh kill           # an immediate stop (a crash, as far as its clients can tell)
#   bash scripts/pg-replica.sh drop           # stops it and deletes it
#
# The primary is the "main" cluster on port 5432 with the role qingcang (superuser, password qingcang), as
# ci-postgres.sh makes it; Debian's default pg_hba.conf lets it replicate over 127.0.0.1.
set -euo pipefail
cd /
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE PGSERVICEFILE PGPASSFILE

name=qcreplica
port=${2:-5440}
log() { echo "pg-replica: $*" >&2; }
die() { echo "pg-replica: ERROR: $*" >&2; exit 1; }
sudo=()
if [[ $EUID -ne 0 ]]; then
  sudo -n true 2>/dev/null || die "must run as root or with passwordless sudo"
  sudo=(sudo -n)
fi
as_postgres() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -n -u postgres -- "$@"; fi
}
command -v pg_lsclusters >/dev/null || die "no PostgreSQL here: run scripts/ci-postgres.sh first"
version=$(pg_lsclusters -h | awk '$2 == "main" { print $1; exit }')
[[ -n $version ]] || die "no 'main' cluster: run scripts/ci-postgres.sh first"
exists() { pg_lsclusters -h | awk -v v="$version" -v n="$name" '$1 == v && $2 == n { found = 1 } END { exit !found }'; }

case ${1:-} in
  start)
    if ! exists; then
      log "creating cluster $version/$name on port $port from a base backup of $version/main"
      "${sudo[@]}" pg_createcluster "$version" "$name" --port "$port" >/dev/null
      datadir=$(pg_lsclusters -h | awk -v v="$version" -v n="$name" '$1 == v && $2 == n { print $6 }')
      as_postgres bash -c "rm -rf '$datadir'/* && PGPASSWORD=qingcang pg_basebackup -h 127.0.0.1 -p 5432 -U qingcang \
        -D '$datadir' --wal-method=stream --write-recovery-conf --checkpoint=fast"
      # What the standby connects with (pg_basebackup -R does not keep the password), and feedback to the
      # primary so that its vacuum does not cancel a long export read on the standby.
      as_postgres bash -c "echo \"primary_conninfo = 'host=127.0.0.1 port=5432 user=qingcang password=qingcang application_name=$name'\" >> '$datadir/postgresql.auto.conf'"
      as_postgres bash -c "echo 'hot_standby_feedback = on' >> '$datadir/postgresql.auto.conf'"
    fi
    port=$(pg_lsclusters -h | awk -v v="$version" -v n="$name" '$1 == v && $2 == n { print $3 }')
    "${sudo[@]}" pg_ctlcluster "$version" "$name" start 2>/dev/null || true
    for _ in $(seq 1 60); do
      if as_postgres pg_isready -q -p "$port"; then break; fi
      sleep 0.5
    done
    standby=$(PGPASSWORD=qingcang psql -h 127.0.0.1 -p "$port" -U qingcang -d qingcang -Atc 'SELECT pg_is_in_recovery()') ||
      die "the replica on port $port does not answer"
    [[ $standby == t ]] || die "the cluster on port $port is not a standby"
    log "standby ready on port $port"
    echo "DATABASE_REPLICA_URL=postgres://qingcang:qingcang@127.0.0.1:$port/qingcang"
    ;;
  stop) exists && "${sudo[@]}" pg_ctlcluster "$version" "$name" stop ;;
  kill) exists && "${sudo[@]}" pg_ctlcluster "$version" "$name" stop -m immediate ;;
  drop)
    if exists; then "${sudo[@]}" pg_dropcluster --stop "$version" "$name"; fi
    ;;
  *) die "usage: pg-replica.sh start [PORT] | stop | kill | drop" ;;
esac
