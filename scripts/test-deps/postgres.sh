#!/usr/bin/env bash
# The task backend's tests run against a real PostgreSQL server. They start a throw-away
# cluster themselves (initdb + pg_ctl on a free loopback port) unless
# BACKEND_PLANNER_TEST_PG_URL names one; this script makes sure the server binaries exist,
# installing Debian's `postgresql` package when they don't. Idempotent and quick.
set -euo pipefail

if [ -n "${BACKEND_PLANNER_TEST_PG_URL:-}" ]; then
    exit 0
fi
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    exit 0
fi

echo "test-deps: PostgreSQL server binaries missing; installing Debian's postgresql" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends postgresql
ls /usr/lib/postgresql/*/bin/initdb >/dev/null
