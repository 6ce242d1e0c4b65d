#!/usr/bin/env bash
# Runs every test: type-check of the whole workspace, the layering check, unused code and dependencies (knip), lint and format (Biome), then every vitest suite (unit and cross-package).
set -euo pipefail
cd "$(dirname "$0")/.."
HAZMON_SETUP_TESTS=1 source scripts/setup.sh
mkdir -p .tmp && rm -f .tmp/vitest-results.json
status=0
$HAZMON_PNPM run test --reporter=default --reporter=json --outputFile.json=.tmp/vitest-results.json || status=$?
# A closing line any CI reads the same way, whatever the reporter printed above it.
if [ -f .tmp/vitest-results.json ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(".tmp/vitest-results.json", "utf8"));
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  '
fi
exit "$status"
