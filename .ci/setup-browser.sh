#!/usr/bin/env bash
# Install Debian's Chromium (and fonts for legible screenshots) for
# tests/browser/, which drive /usr/bin/chromium through Playwright. Playwright's
# own browser downloads are never used. Idempotent and quiet.
set -euo pipefail
packages=(chromium fonts-dejavu-core fonts-liberation2)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ "${#missing[@]}" = 0 ] && [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-browser: run as root (apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt_get() {
  if ! apt-get -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 -qq "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup-browser: apt-get $* failed" >&2
    exit 1
  fi
}
if ! apt-cache show chromium >/dev/null 2>&1; then
  apt_get update
fi
apt_get install -y --no-install-recommends "${missing[@]}"
if [ ! -x /usr/bin/chromium ]; then
  echo "setup-browser: chromium was installed but /usr/bin/chromium is missing" >&2
  exit 1
fi
