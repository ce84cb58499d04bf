#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (we run as root there). Idempotent.
set -euo pipefail
need=()
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need+=(postgresql)
# Native AOT (src/Haven.Hash) links with gcc against libc and zlib.
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
[ -f /usr/include/stdio.h ] || need+=(libc6-dev)
# The review console's browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "ci-prereqs: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi
