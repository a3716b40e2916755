#!/usr/bin/env bash
# Installs Debian's PostgreSQL and Redis for the n8n queue-mode tests (harness/n8n/queueCluster.ts
# starts its own throwaway server of each on free loopback ports; nothing here starts a service).
#
#   scripts/e2e/install-queue-services.sh
#
# Idempotent: only checks when both are there. Runs `apt-get update` only when apt does not know
# a package yet. Needs root (or sudo) for apt-get. Exits non-zero with the reason on failure; the
# queue-mode tests then fail with "PostgreSQL/Redis missing" instead of waiting for them.
set -euo pipefail

started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }

postgres_bin() {
	# The newest /usr/lib/postgresql/<major>/bin/postgres, as queueCluster.ts picks it.
	ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n1
}
have_all() { [ -n "$(postgres_bin)" ] && command -v redis-server >/dev/null 2>&1; }
describe() { echo "$("$(postgres_bin)" --version) and $(redis-server --version | cut -d' ' -f1-3)"; }

if have_all; then
	echo "install-queue-services: $(describe) already installed, checked in $(elapsed)."
	exit 0
fi

source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
apt_install install-queue-services postgresql redis-server || exit 1

if ! have_all; then
	echo "install-queue-services: installed, but no /usr/lib/postgresql/*/bin/postgres or no redis-server on PATH." >&2
	exit 1
fi
echo "install-queue-services: $(describe) ready, total $(elapsed)."
