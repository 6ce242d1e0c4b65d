#!/usr/bin/env bash
# Runs every test: type-check of the whole workspace, then every vitest suite (unit and cross-package).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
$HAZMON_PNPM run test
