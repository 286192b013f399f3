#!/usr/bin/env bash
# Installs what chips needs outside Python when it is missing, so that `make demo` and
# `make test` work on a fresh machine with nothing installed by hand.
#   (no flag)  Java for ODK Validate (the forms are checked on every build)
#   --tests    also Node with @getodk/xforms-engine, Chromium, and a reachable PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/.."
tests=false
[ "${1:-}" = "--tests" ] && tests=true

apt_packages=()
command -v java >/dev/null 2>&1 || apt_packages+=(default-jre-headless)
if $tests; then
  command -v node >/dev/null 2>&1 || apt_packages+=(nodejs npm)
  [ -x /usr/bin/chromium ] || apt_packages+=(chromium)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "installing from Debian: ${apt_packages[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

# @getodk/xforms-engine needs Node >= 20.19; Debian bookworm's nodejs is 18, so when the
# machine's Node is older, take Node itself from the npm registry (package "node").
node_ok() {
  command -v node >/dev/null 2>&1 && node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}
if $tests && ! node_ok; then
  echo "Node $(node --version 2>/dev/null || echo missing) is too old for the XForm engine; installing node@22 from npm"
  npm install -g --no-audit --no-fund --loglevel=error node@22
  hash -r
fi

if $tests; then
  if [ -f tests/engine/package-lock.json ] && [ ! -d tests/engine/node_modules ]; then
    (cd tests/engine && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # PostgreSQL: the suite runs against it too. Start the local cluster if one is installed
  # but stopped; under CI=true the PostgreSQL tests fail (not skip) when it is unreachable.
  pg_host=${CHIPS_TEST_PG_HOST:-127.0.0.1}
  pg_port=${CHIPS_TEST_PG_PORT:-5432}
  if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h "$pg_host" -p "$pg_port"; then
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
      for version in $(ls /etc/postgresql); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
      done
      for _ in $(seq 1 30); do pg_isready -q -h "$pg_host" -p "$pg_port" && break; sleep 1; done
    fi
  fi
fi
