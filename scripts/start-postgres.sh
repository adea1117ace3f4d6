#!/usr/bin/env bash
# Starts a local PostgreSQL for the tests of skilift/postgres and prints its
# connection string (the default of SKILIFT_PG_URL in the tests).
#
# Idempotent: installs PostgreSQL with apt only when it is missing, starts the
# newest installed Debian cluster only when it is down, and creates the test
# role and database only when they do not exist. Needs root (Debian cluster
# tools; initdb refuses to run as root, so everything database-side runs as
# the `postgres` user).
#
# Usage: bash scripts/start-postgres.sh      # prints postgres://...
# Everything but the connection string goes to stderr.
set -euo pipefail

role=skilift_test
password=skilift_test
database=skilift_test

log() { echo "start-postgres: $*" >&2; }

as_postgres() {
  if command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  fi
}

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (it uses the Debian cluster tools); set SKILIFT_PG_URL to use another server"
  exit 1
fi

# Test files run in parallel and may all call this at once: one at a time.
exec 9>/tmp/skilift-start-postgres.lock
flock 9

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  log "PostgreSQL is not installed; installing it with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y postgresql >&2 9>&-
fi

# The newest installed major version, e.g. 15.
version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
cluster=main

if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
  log "creating cluster $version/$cluster"
  pg_createcluster "$version" "$cluster" >&2 9>&-
fi

status=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $4 }')
if [ "$status" != "online" ]; then
  log "starting cluster $version/$cluster"
  # 9>&-: the server must not inherit (and so hold forever) the lock.
  pg_ctlcluster "$version" "$cluster" start >&2 9>&-
fi
port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3 }')

# Wait until it accepts connections (pg_ctlcluster start normally waits already).
for _ in $(seq 1 50); do
  if as_postgres psql -p "$port" -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then break; fi
  sleep 0.2
done

psql_admin() { as_postgres psql -p "$port" -d postgres -v ON_ERROR_STOP=1 -Atq "$@"; }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != "1" ]; then
  log "creating role $role"
  psql_admin -c "CREATE ROLE $role LOGIN PASSWORD '$password'" >&2
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]; then
  log "creating database $database"
  psql_admin -c "CREATE DATABASE $database OWNER $role" >&2
fi

echo "postgres://$role:$password@127.0.0.1:$port/$database"
