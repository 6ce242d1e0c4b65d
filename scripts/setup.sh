#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh machine that has only Node 20:
# Debian packages (socat for RTU pty pairs, mbpoll as an independent Modbus client, openssl for the web server's test
# certificates; for the tests only (HAZMON_SETUP_TESTS=1, set by scripts/test.sh): chromium and a Chinese font for the
# browser tests of the UI, driven by playwright-core; nats-server, victoria-metrics and postgresql for the hub's tests)
# and the pnpm workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v socat >/dev/null 2>&1 || missing+=(socat)
command -v mbpoll >/dev/null 2>&1 || missing+=(mbpoll)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ "${HAZMON_SETUP_TESTS:-0}" = 1 ]; then
  # tests/ui launches exactly this binary; playwright never downloads a browser.
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # A Chinese font, so the zh-CN screenshots show characters rather than empty boxes.
  { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh)" ]; } || missing+=(fonts-wqy-microhei)
  # The hub's services for tests/hub: each test starts its own processes on loopback in temp dirs (tests/hub/servers.ts),
  # never the system services these packages install.
  command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
  command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
  [ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# pnpm comes through npx, pinned to the version in package.json's packageManager.
pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
export HAZMON_PNPM="npx --yes pnpm@${pnpm_version}"
$HAZMON_PNPM install --frozen-lockfile --reporter=append-only
