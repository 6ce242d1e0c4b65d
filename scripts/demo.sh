#!/usr/bin/env bash
# Starts the demo: simulated site plus the live view of decoded readings. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
$HAZMON_PNPM run build:ui
exec node --import tsx scripts/demo.ts "$@"
