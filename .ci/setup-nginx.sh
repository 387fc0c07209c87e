#!/usr/bin/env bash
# Install nginx for tests/export/test_export.py, which serves a static export with it.
# Idempotent and quiet. The package's own service is never started: the test
# runs /usr/sbin/nginx in the foreground on a free loopback port.
set -euo pipefail
if [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-nginx: run as root (apt-get install nginx)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
created_policy=0
log=$(mktemp)
cleanup() {
  rm -f "$log"
  if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
}
trap cleanup EXIT
# Keep the package's postinst from starting a daemon on port 80.
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=1
fi
apt_get() {
  if ! apt-get -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 -qq "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup-nginx: apt-get $* failed" >&2
    exit 1
  fi
}
if ! apt-cache show nginx >/dev/null 2>&1; then
  apt_get update
fi
apt_get install -y --no-install-recommends nginx
if [ ! -x /usr/sbin/nginx ]; then
  echo "setup-nginx: nginx was installed but /usr/sbin/nginx is missing" >&2
  exit 1
fi
