#!/usr/bin/env bash
# Install the client parsers that tests/clients drives: libical 3 (Evolution,
# GNOME) with a C compiler for its driver, and ical.js (Thunderbird) under
# Node, pinned by tests/clients/package-lock.json. Idempotent and quiet; run
# as root on Debian or Ubuntu (.ci/run does). The Python parsers (ical,
# vobject, icalendar) come with the `test` extra in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major() {
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

# Run a command with its output kept back, shown only if it fails.
quietly() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "setup-clients: failed: $*" >&2
    exit 1
  fi
  rm -f "$log"
}

missing=()
dpkg-query -W -f='${Status}' libical-dev 2>/dev/null | grep -q 'install ok installed' || missing+=(libical-dev)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v gcc >/dev/null || missing+=(gcc)
if ! command -v node >/dev/null || [ "$(node_major)" -lt 18 ] || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-clients: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  quietly apt-get update -qq
  quietly apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! pkg-config --exists libical || [ "$(pkg-config --modversion libical | cut -d. -f1)" != 3 ]; then
  echo "setup-clients: libical 3 is not visible to pkg-config after installing libical-dev" >&2
  exit 1
fi
if [ "$(node_major)" -lt 18 ]; then
  echo "setup-clients: node >= 18 is needed for ical.js, found $(node --version 2>/dev/null || echo none)" >&2
  exit 1
fi

cd tests/clients
wanted=$(node -p 'require("./package-lock.json").packages["node_modules/ical.js"].version')
installed=$(node -p 'require("./node_modules/ical.js/package.json").version' 2>/dev/null || true)
if [ "$wanted" != "$installed" ]; then
  echo "setup-clients: npm ci (ical.js $wanted)"
  quietly npm ci --no-audit --no-fund --loglevel=error
fi
