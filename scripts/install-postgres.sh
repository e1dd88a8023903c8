#!/usr/bin/env bash
# Installs the PostgreSQL server the test suite starts (a throwaway one, on loopback) from Debian's
# packages. Needs root and apt; does nothing when a server is already installed.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "PostgreSQL server binaries are installed: $(ls -d /usr/lib/postgresql/*/bin | tr '\n' ' ')"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Cannot install PostgreSQL here (needs root and apt-get); the PostgreSQL tests will be skipped." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql >/dev/null
echo "Installed PostgreSQL: $(ls -d /usr/lib/postgresql/*/bin)"
