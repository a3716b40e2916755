#!/usr/bin/env bash
# `npm run test:reliability [-- --full] [jest args…]`: the reliability tier on a real n8n.
# --full runs the loads docs/idempotency.md reports (500-event bursts, 300 rate-limited DMs, …);
# without it, the smaller CI loads. Sets a fresh clone up, and installs n8n
# (scripts/e2e/install-n8n.sh) and, for queue mode, PostgreSQL and Redis
# (scripts/e2e/install-queue-services.sh) when missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node24.sh"
cd "$ROOT"
args=()
for arg in "$@"; do
	if [ "$arg" = "--full" ]; then export PERKS_RELIABILITY_FULL=1; else args+=("$arg"); fi
done
bash scripts/setup.sh
bash scripts/e2e/install-n8n.sh
bash scripts/e2e/install-queue-services.sh
exec npx jest -c jest.reliability.config.js "${args[@]}"
