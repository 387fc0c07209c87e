#!/usr/bin/env bash
# Install axe-core for tests/browser/, which injects it with Playwright into
# Debian's Chromium to check every page kind for accessibility problems. Pinned
# by tests/browser/package-lock.json; needs node >= 18 and npm (setup-clients.sh
# installs them). Idempotent and quiet.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major() {
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

if ! command -v npm >/dev/null || [ "$(node_major)" -lt 18 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-axe: node >= 18 and npm are needed; run as root to install them (apt-get install nodejs npm)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

cd tests/browser
wanted=$(node -p 'require("./package-lock.json").packages["node_modules/axe-core"].version')
installed=$(node -p 'require("./node_modules/axe-core/package.json").version' 2>/dev/null || true)
if [ "$wanted" != "$installed" ]; then
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  echo "setup-axe: npm ci (axe-core $wanted)"
  if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup-axe: npm ci failed in tests/browser" >&2
    exit 1
  fi
fi
