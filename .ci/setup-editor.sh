#!/usr/bin/env bash
# Install what tests/editor/test_editor.py drives: Red Hat's yaml-language-server (the
# YAML support of VS Code, Neovim, Emacs and Helix) under Node, pinned by
# tests/editor/package-lock.json. Idempotent and quiet; run as root on Debian
# or Ubuntu (.ci/run does).
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
    echo "setup-editor: failed: $*" >&2
    exit 1
  fi
  rm -f "$log"
}

if ! command -v node >/dev/null || [ "$(node_major)" -lt 18 ] || ! command -v npm >/dev/null; then
  echo "setup-editor: installing nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  quietly apt-get update -qq
  quietly apt-get install -y -qq --no-install-recommends nodejs npm
fi
if [ "$(node_major)" -lt 18 ]; then
  echo "setup-editor: node >= 18 is needed for yaml-language-server, found $(node --version 2>/dev/null || echo none)" >&2
  exit 1
fi

cd tests/editor
wanted=$(node -p 'require("./package-lock.json").packages["node_modules/yaml-language-server"].version')
installed=$(node -p 'require("./node_modules/yaml-language-server/package.json").version' 2>/dev/null || true)
if [ "$wanted" != "$installed" ]; then
  echo "setup-editor: npm ci (yaml-language-server $wanted)"
  quietly npm ci --no-audit --no-fund --loglevel=error
fi
