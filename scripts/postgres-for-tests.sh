#!/bin/sh
# Makes PostgreSQL's server binaries available for the tests (test/setup/postgres.ts starts a
# throwaway cluster from them). On a fresh Debian/Ubuntu machine, as root, it installs the
# distribution's `postgresql` package; where initdb already exists it does nothing.
# The package's own cluster is not needed: the tests run their own on a free port.
set -eu

found_initdb() {
  command -v initdb >/dev/null 2>&1 && return 0
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && return 0
  done
  return 1
}

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "postgres-for-tests: TEST_DATABASE_URL is set; the tests use that server"
  exit 0
fi

if found_initdb; then
  echo "postgres-for-tests: initdb found; nothing to install"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "postgres-for-tests: initdb not found; run this script as root to install PostgreSQL" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "postgres-for-tests: initdb not found and there is no apt-get; install the PostgreSQL server yourself" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: only the server and client; the cluster Debian creates is left stopped below.
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
# Debian starts a default cluster on 5432 where an init system runs; the tests do not use it.
if command -v pg_ctlcluster >/dev/null 2>&1; then
  for v in /usr/lib/postgresql/*; do
    pg_ctlcluster "$(basename "$v")" main stop 2>/dev/null || true
  done
fi

found_initdb || { echo "postgres-for-tests: installed postgresql but initdb is still missing" >&2; exit 1; }
echo "postgres-for-tests: PostgreSQL installed"
