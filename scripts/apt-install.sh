#!/usr/bin/env bash
# Installs a Debian package some tests need, unless PROBE (a path or glob) already exists.
# Needs root and apt-get; without them it says which tests will be skipped and succeeds.
# Usage: apt-install.sh PACKAGE PROBE "WHAT IS SKIPPED WITHOUT IT"
set -euo pipefail
package=$1 probe=$2 skipped=$3
if compgen -G "$probe" >/dev/null; then
  echo "$package is installed: $(compgen -G "$probe" | tr '\n' ' ')"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Cannot install $package here (needs root and apt-get); $skipped will be skipped." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "$package" >/dev/null
echo "Installed $package: $(compgen -G "$probe" | tr '\n' ' ')"
