#!/usr/bin/env bash
# Starts the demo: the simulated demo plant and hazmon run (agent + web server) on it. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
$HAZMON_PNPM run build:ui
exec node --import tsx scripts/demo.ts "$@"
