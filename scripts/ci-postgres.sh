#!/usr/bin/env bash
# Provide a local PostgreSQL server for the test suite (Debian/Ubuntu, run as root or with passwordless sudo).
#
#   bash scripts/ci-postgres.sh        # prints DATABASE_URL=postgres://... on stdout
#   source scripts/ci-postgres.sh      # also exports DATABASE_URL into the calling shell
#
# Installs PostgreSQL with apt-get if its server binaries are missing, makes sure a cluster exists and is
# running, and creates (idempotently) the SUPERUSER login role "qingcang" (password "qingcang"; the tests
# create and drop temporary databases) and the database "qingcang" it owns. Safe to run repeatedly.
# Progress goes to stderr; only the DATABASE_URL line goes to stdout.

# All work happens in a subshell so that `set -e`, `cd` and helpers never leak into a shell that sources us.
ci_postgres_main() (
  set -euo pipefail
  cd /  # psql run as the postgres user must not start in a directory it cannot read (e.g. /root)
  # Connection settings from the environment must not redirect our admin psql calls.
  unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE PGSERVICEFILE PGPASSFILE

  local role=qingcang password=qingcang database=qingcang cluster_name=main
  log() { echo "ci-postgres: $*" >&2; }
  die() { echo "ci-postgres: ERROR: $*" >&2; exit 1; }

  # Root runs commands directly; anyone else needs passwordless sudo.
  local sudo=()
  if [[ $EUID -ne 0 ]]; then
    if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
      die "must run as root or with passwordless sudo (running as $(id -un))"
    fi
    sudo=(sudo -n)
  fi
  as_postgres() {
    if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -n -u postgres -- "$@"; fi
  }

  # 1. Install the server if missing (Debian 12 gives PostgreSQL 15). C.UTF-8 makes the cluster that the
  #    package creates use UTF8 encoding even on minimal images without a configured locale.
  if ! command -v pg_ctlcluster >/dev/null || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    command -v apt-get >/dev/null || die "PostgreSQL server is not installed and apt-get is not available"
    log "PostgreSQL server not found; installing it with apt-get"
    "${sudo[@]}" apt-get -q update >&2 || die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
      apt-get -q -y -o DPkg::Lock::Timeout=300 install postgresql >&2 || die "apt-get install postgresql failed"
    compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || die "postgresql installed but no server binary found"
  fi
  local version
  version=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' | cut -d/ -f5 | sort -V | tail -n 1)
  log "PostgreSQL server $version is installed"

  # 2. Make sure a cluster exists: reuse the newest installed version's "main" cluster, else create it
  #    (UTF8; LC_ALL because pg_createcluster refuses to run under an invalid environment locale).
  if ! pg_lsclusters --no-header | awk -v v="$version" -v n="$cluster_name" '$1 == v && $2 == n { f = 1 } END { exit !f }'; then
    log "creating cluster $version/$cluster_name"
    "${sudo[@]}" env LC_ALL=C.UTF-8 pg_createcluster --locale=C.UTF-8 "$version" "$cluster_name" >&2 \
      || die "pg_createcluster $version $cluster_name failed"
  fi
  cluster_field() {  # cluster_field <column>: 3 = port, 4 = status (online/down)
    pg_lsclusters --no-header | awk -v v="$version" -v n="$cluster_name" -v c="$1" '$1 == v && $2 == n { print $c }'
  }

  # 3. Start it unless it is already running (pg_ctlcluster start fails on a running cluster).
  if [[ $(cluster_field 4) != online* ]]; then
    log "starting cluster $version/$cluster_name"
    "${sudo[@]}" pg_ctlcluster "$version" "$cluster_name" start >&2 \
      || die "pg_ctlcluster $version $cluster_name start failed; see /var/log/postgresql/postgresql-$version-$cluster_name.log"
  fi
  local port
  port=$(cluster_field 3)
  [[ $port =~ ^[0-9]+$ ]] || die "could not read the port of cluster $version/$cluster_name from pg_lsclusters"

  # 4. Wait (up to 60 s) until the server accepts TCP connections on 127.0.0.1.
  local i
  for ((i = 0; ; i++)); do
    pg_isready -q -h 127.0.0.1 -p "$port" -t 2 && break
    ((i < 30)) || die "PostgreSQL on 127.0.0.1:$port is not ready after 60 s; see /var/log/postgresql/postgresql-$version-$cluster_name.log"
    sleep 2
  done
  log "cluster $version/$cluster_name is ready on port $port"

  # 5. Role and database, idempotently (an existing role gets the expected password and privileges again).
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres >&2 <<SQL || die "creating role/database failed"
DO \$\$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    ALTER ROLE $role WITH LOGIN SUPERUSER PASSWORD '$password';
  ELSE
    CREATE ROLE $role WITH LOGIN SUPERUSER PASSWORD '$password';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE $database OWNER $role'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$database') \gexec
SQL

  # 6. Check that the URL really works (password authentication over TCP), then print it.
  local url="postgres://$role:$password@127.0.0.1:$port/$database"
  local encoding
  encoding=$(PGCONNECT_TIMEOUT=10 psql -X -A -t -c 'SHOW server_encoding' "$url") \
    || die "cannot connect as $role to 127.0.0.1:$port/$database (check pg_hba.conf for password auth on 127.0.0.1)"
  [[ $encoding == UTF8 ]] || log "WARNING: database $database uses encoding $encoding, not UTF8"
  echo "$url"
)

if (return 0 2>/dev/null); then
  # Sourced: export DATABASE_URL (a failure exits a `set -e` caller, otherwise returns non-zero).
  _ci_postgres_url=$(ci_postgres_main)
  _ci_postgres_rc=$?
  if [[ $_ci_postgres_rc -ne 0 ]]; then unset _ci_postgres_url; return "$_ci_postgres_rc"; fi
  export DATABASE_URL=$_ci_postgres_url
  unset _ci_postgres_url _ci_postgres_rc
  echo "DATABASE_URL=$DATABASE_URL"
else
  set -euo pipefail
  url=$(ci_postgres_main)
  echo "DATABASE_URL=$url"
fi
