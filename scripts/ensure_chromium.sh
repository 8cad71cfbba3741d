#!/usr/bin/env bash
# Make sure Debian's chromium is there for the browser tests; install it when we may (root).
set -euo pipefail
chromium=${1:-/usr/bin/chromium}
if [ -x "$chromium" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser tests need Debian's chromium at $chromium." >&2
echo "Install it with:  sudo apt-get install chromium   (then run make test again)" >&2
exit 1
