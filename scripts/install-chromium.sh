#!/usr/bin/env bash
# Installs Debian's Chromium for the playground's browser test. Needs root and apt; does nothing when
# /usr/bin/chromium is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "Chromium is installed: /usr/bin/chromium"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Cannot install Chromium here (needs root and apt-get); the browser test will be skipped." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
echo "Installed Chromium: /usr/bin/chromium"
