#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 for tests and prints, on stdout only,
#   export HAVEN_TEST_POSTGRES='Host=127.0.0.1;Port=...;Username=postgres;Database=postgres'
# so callers can run:  eval "$(bash eng/start-postgres.sh)"
# Everything else goes to stderr. Stop it with eng/stop-postgres.sh.
# Environment: HAVEN_PG_PORT (first port to try, default 55432), HAVEN_PG_STATE (state file,
# default /tmp/haven-test-postgres.state; holds the data dir and binary dir for the stop script).
set -euo pipefail

log() { printf 'start-postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

STATE_FILE="${HAVEN_PG_STATE:-/tmp/haven-test-postgres.state}"
FIRST_PORT="${HAVEN_PG_PORT:-55432}"

find_pgbin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
    printf '%s\n' "$dir"
  fi
}

PGBIN=$(find_pgbin)
if [[ -z "$PGBIN" ]]; then
  [[ $(id -u) -eq 0 ]] || die "PostgreSQL binaries not found under /usr/lib/postgresql and not root: install the 'postgresql' package"
  log "PostgreSQL binaries absent; installing the 'postgresql' package"
  export DEBIAN_FRONTEND=noninteractive
  # Only refresh the package lists when the plain install fails (a fresh CI image may have none).
  if ! apt-get install -y -q postgresql >&2; then
    log "install failed; running apt-get update and retrying"
    apt-get update -q >&2 || die "apt-get update failed"
    apt-get install -y -q postgresql >&2 || die "apt-get install postgresql failed"
  fi
  PGBIN=$(find_pgbin)
  [[ -n "$PGBIN" ]] || die "postgresql installed but no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
fi

getent passwd postgres >/dev/null || die "no 'postgres' system user (PostgreSQL refuses to run as root; install the postgresql package)"

if [[ -f "$STATE_FILE" ]]; then
  old_dir=$(sed -n 's/^PGDATA=//p' "$STATE_FILE")
  old_port=$(sed -n 's/^PORT=//p' "$STATE_FILE")
  if [[ -n "$old_dir" && -n "$old_port" ]] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$old_dir" status >/dev/null 2>&1; then
    # Re-running is harmless: hand back the cluster that is already up.
    log "reusing the running cluster from $STATE_FILE (data $old_dir, port $old_port)"
    printf "export HAVEN_TEST_POSTGRES='Host=127.0.0.1;Port=%s;Username=postgres;Database=postgres'\n" "$old_port"
    exit 0
  fi
  log "stale state file $STATE_FILE (cluster not running); starting a new one"
fi

port_taken() {
  # True when something listens on 127.0.0.1:$1 (bash's /dev/tcp avoids needing ss or netstat).
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

PORT=""
for ((p = FIRST_PORT; p < FIRST_PORT + 50; p++)); do
  if ! port_taken "$p"; then PORT=$p; break; fi
done
[[ -n "$PORT" ]] || die "no free port in $FIRST_PORT..$((FIRST_PORT + 49))"

PGDATA=$(mktemp -d /tmp/haven-pgdata.XXXXXX)
chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"

if ! runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-sync >"$PGDATA.initdb.log" 2>&1; then
  cat "$PGDATA.initdb.log" >&2
  rm -rf "$PGDATA" "$PGDATA.initdb.log"
  die "initdb failed"
fi
rm -f "$PGDATA.initdb.log"

if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 \
  -o "-p $PORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null 2>&1; then
  tail -n 30 "$PGDATA/server.log" >&2 || true
  rm -rf "$PGDATA"
  die "pg_ctl start failed on port $PORT (server log above)"
fi

printf 'PGDATA=%s\nPGBIN=%s\nPORT=%s\n' "$PGDATA" "$PGBIN" "$PORT" >"$STATE_FILE"
log "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $NF}') on 127.0.0.1:$PORT (data $PGDATA, state $STATE_FILE)"
printf "export HAVEN_TEST_POSTGRES='Host=127.0.0.1;Port=%s;Username=postgres;Database=postgres'\n" "$PORT"
