#!/usr/bin/env bash
# The whole test suite (`npm test`, and CI's .ci/run), from a fresh clone or a working tree:
# set-up (Node.js 24, npm ci, a build), lint, Prettier, type check; in one jest run
# (jest.config.js) the unit tier (test/unit, with the loopback emulators of emulators/) and the
# in-process tier (test/workflows, n8n-core running the workflows); the main job as a newcomer starts it,
# `npm start -- --once` (which installs n8n into .cache/n8n when it is not there); the end-to-end
# tier on that real n8n (one file drives the editor in Debian's Chromium, one runs queue mode on
# Debian's PostgreSQL and Redis, both installed with apt-get on first use); then the reliability
# tier at CI's loads (bursts, copies, outages, faults, rate limits, kills; SQLite and queue mode).
# Prints one closing line: "tests: N passed, N failed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node24.sh"
cd "$ROOT"
bash scripts/setup.sh
mkdir -p .cache
rm -f .cache/jest-unit.json .cache/jest-e2e.json .cache/jest-reliability.json
npm run lint
npm run format:check
npm run typecheck

status=0
npx jest --ci --json --outputFile=.cache/jest-unit.json || status=$?
# Through npm, not bash: npm hands the sandbox's nested npm commands its settings (.npmrc's
# ignore-scripts=true among them), which a newcomer's `npm start` does too.
sandbox=(--passed="npm start -- --once")
t0=$(date +%s)
if ! npm start -- --once; then
	sandbox=(--failed="npm start -- --once")
	status=1
fi
echo "test.sh: npm start -- --once took $(($(date +%s) - t0))s"
if bash scripts/e2e/install-n8n.sh; then
	# Chromium for the editor test (test/e2e/editor.e2e.ts), from Debian's packages (root or sudo).
	# Where it cannot be installed, that file's tests are skipped and the closing lines say so.
	if ! bash scripts/e2e/install-chromium.sh; then
		export PERKS_E2E_SKIP_EDITOR="Chromium could not be installed (scripts/e2e/install-chromium.sh needs apt-get as root or with sudo)"
	fi
	# PostgreSQL and Redis for the queue-mode tests (harness/n8n/queueCluster.ts). Without them those
	# tests fail at once with the reason (QueueServicesMissingError); the other e2e tests still run.
	if ! bash scripts/e2e/install-queue-services.sh; then
		echo "Could not install PostgreSQL/Redis: test/e2e/queueMode.e2e.ts cannot run and will fail" >&2
		status=1
	fi
	npx jest -c jest.e2e.config.js --ci --json --outputFile=.cache/jest-e2e.json || status=$?
	# The reliability tier (the exactly-once scenarios, fuzzing) at CI's loads;
	# `npm run test:reliability -- --full` runs the full ones.
	npx jest -c jest.reliability.config.js --ci --json --outputFile=.cache/jest-reliability.json || status=$?
else
	echo "Could not install n8n for the end-to-end tests" >&2
	status=1
fi
if [ -n "${PERKS_E2E_SKIP_EDITOR:-}" ]; then echo "Skipped the editor tests: $PERKS_E2E_SKIP_EDITOR"; fi
node scripts/summarize-jest.js "${sandbox[@]}" .cache/jest-unit.json .cache/jest-e2e.json .cache/jest-reliability.json
exit $status
