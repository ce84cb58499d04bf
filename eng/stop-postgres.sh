#!/usr/bin/env bash
# Stops the cluster started by eng/start-postgres.sh and removes its data dir.
set -euo pipefail

log() { printf 'stop-postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

STATE_FILE="${HAVEN_PG_STATE:-/tmp/haven-test-postgres.state}"
[[ -f "$STATE_FILE" ]] || die "no state file $STATE_FILE (nothing started by eng/start-postgres.sh?)"

PGDATA=$(sed -n 's/^PGDATA=//p' "$STATE_FILE")
PGBIN=$(sed -n 's/^PGBIN=//p' "$STATE_FILE")
[[ -n "$PGDATA" && -n "$PGBIN" ]] || die "state file $STATE_FILE is incomplete"
# Refuse to delete anything that does not look like our own throwaway folder.
[[ "$PGDATA" == /tmp/haven-pgdata.* ]] || die "unexpected data dir '$PGDATA' in $STATE_FILE"

if [[ -f "$PGDATA/postmaster.pid" ]]; then
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 30 stop >/dev/null 2>&1 \
    || die "pg_ctl stop failed for $PGDATA"
  log "stopped cluster in $PGDATA"
else
  log "cluster in $PGDATA was not running"
fi
rm -rf "$PGDATA"
rm -f "$STATE_FILE"
