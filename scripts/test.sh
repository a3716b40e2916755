#!/usr/bin/env bash
# The whole test suite, from a fresh clone or a working tree: set-up, lint, type check, the
# in-process tests (loopback emulators of the perks API and Slack), then the end-to-end tests
# against a real n8n 2.x. Prints one closing line: "tests: N passed, N failed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node24.sh"
cd "$ROOT"
bash scripts/setup.sh
mkdir -p .cache
npm run lint
npm run typecheck
status=0
npx jest --ci --json --outputFile=.cache/jest-unit.json || status=$?
node scripts/summarize-jest.js .cache/jest-unit.json
exit $status
