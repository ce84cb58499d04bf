#!/usr/bin/env bash
# Runs every test project against SQLite and PostgreSQL and prints a last line `N passed, N failed`.
# Starts a throwaway PostgreSQL on loopback unless HAVEN_TEST_POSTGRES is already set.
# Kernel tests run three times: with all hardware intrinsics, without AVX-512, and scalar only.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

if [ -z "${HAVEN_TEST_POSTGRES:-}" ]; then
  if pg_env=$(bash eng/start-postgres.sh); then
    eval "$pg_env"
    trap 'bash "$root/eng/stop-postgres.sh" >/dev/null 2>&1 || true' EXIT
  else
    echo "test.sh: could not start PostgreSQL; PostgreSQL store tests will fail under CI=true, skip otherwise." >&2
  fi
fi

echo "test.sh: building (Release) ..."
if ! dotnet build Haven.slnx -c Release -nologo -v q; then
  echo "test.sh: build failed."
  echo "0 passed, 1 failed"
  exit 1
fi

status=0
format_failed=0
echo "test.sh: dotnet format --verify-no-changes"
if ! dotnet format Haven.slnx --verify-no-changes --no-restore; then
  echo "test.sh: formatting differs from .editorconfig; run 'dotnet format Haven.slnx' and commit."
  format_failed=1
  status=1
fi

run() { # name project [ENV=VALUE ...]
  local name=$1 project=$2
  shift 2
  echo "test.sh: $name"
  if ! env "$@" dotnet test "$project" -c Release --no-build -nologo \
      --logger "trx;LogFileName=$name.trx" --results-directory "$results" -- RunConfiguration.DisableAppDomain=true; then
    status=1
  fi
}
run kernels tests/Haven.Kernels.Tests
run kernels-noavx512 tests/Haven.Kernels.Tests DOTNET_EnableAVX512F=0
run kernels-scalar tests/Haven.Kernels.Tests DOTNET_EnableHWIntrinsic=0
run engine tests/Haven.Tests
run server tests/Haven.Server.Tests
run console tests/Haven.Console.Tests

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done
expected_runs=6
runs=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$runs" -lt "$expected_runs" ]; then
  echo "test.sh: only $runs of $expected_runs test runs produced results."
  failed=$((failed + expected_runs - runs))
fi
failed=$((failed + format_failed))
if [ "$failed" -gt 0 ]; then status=1; fi
echo "$passed passed, $failed failed"
exit $status
