#!/bin/sh
# Makes Debian's Chromium available for the web view's browser tests (test/web/browser.test.ts
# drives /usr/bin/chromium through playwright-core, which never downloads a browser of its own).
# As root on Debian/Ubuntu it installs the distribution's `chromium` package; where the
# executable already exists it does nothing.
set -eu

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  echo "chromium-for-tests: $CHROMIUM found; nothing to install"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium-for-tests: $CHROMIUM not found; run this script as root to install Chromium" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium-for-tests: $CHROMIUM not found and there is no apt-get; install Chromium yourself" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# With its recommended packages: the fonts the screenshots need.
apt-get install -y -qq chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "chromium-for-tests: installed chromium but $CHROMIUM is still missing" >&2; exit 1; }
echo "chromium-for-tests: Chromium installed"
