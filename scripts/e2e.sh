#!/usr/bin/env bash
# `npm run test:e2e [jest args…]`: the end-to-end tier (test/e2e) on a real n8n. Sets a fresh clone
# up, then installs what the tier needs when missing: n8n (.cache/n8n), Debian's Chromium for the
# editor test, PostgreSQL and Redis for the queue-mode tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node24.sh"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/e2e/install-n8n.sh
bash scripts/e2e/install-chromium.sh
bash scripts/e2e/install-queue-services.sh || echo 'PostgreSQL/Redis missing: the queue-mode tests will fail' >&2
exec npx jest -c jest.e2e.config.js "$@"
