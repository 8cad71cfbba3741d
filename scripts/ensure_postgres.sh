#!/usr/bin/env bash
# Make sure Debian's PostgreSQL server binaries are there for the store tests (the tests start
# their own throw-away server with them); install them when we may (root).
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's postgresql for the store tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  exit 0
fi
echo "The store tests start a PostgreSQL server of their own and need Debian's PostgreSQL." >&2
echo "Install it with:  sudo apt-get install postgresql   (then run make test again)" >&2
exit 1
