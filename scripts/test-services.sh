#!/usr/bin/env bash
# Make sure the services the tests use are there: PostgreSQL on 127.0.0.1:5432, Debian's Chromium and nginx;
# and the tools `make bench` speaks and mixes its harder speech clips with: espeak-ng and sox.
# On a machine without them (and without root) the tests that need them skip locally and fail under CI=true.
# A machine with PostgreSQL's binaries but no cluster here needs nothing more: the test run then starts a
# throwaway server of its own (tests/fixtures/postgres.py).
set -u

if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
fi

if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser test..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the browser test will not run" >&2
fi
# nginx for the scale-out test (two replicas behind deploy/nginx.conf); the test starts its own instance.
if [ ! -x /usr/sbin/nginx ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's nginx for the scale-out test..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null) \
    || echo "warning: could not install nginx; the scale-out test will not run" >&2
fi
missing_tools=()
for tool in espeak-ng sox; do command -v "$tool" >/dev/null || missing_tools+=("$tool"); done
if [ "${#missing_tools[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing_tools[*]} for the speech-accuracy benchmark..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_tools[@]}" >/dev/null) \
    || echo "warning: could not install ${missing_tools[*]}; the speech-accuracy benchmark will not run" >&2
fi
exit 0
