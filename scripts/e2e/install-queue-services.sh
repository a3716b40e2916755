#!/usr/bin/env bash
# Installs Debian's PostgreSQL and Redis for the n8n queue-mode tests (test/e2e/queueCluster.ts
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

SUDO=()
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
		echo "install-queue-services: PostgreSQL or Redis is missing and this is not root (no sudo) to apt-get install them." >&2
		exit 1
	fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-queue-services: PostgreSQL or Redis is missing and there is no apt-get on this machine." >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
needs_update=0
for package in postgresql redis-server; do
	candidate="$(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ { print $2 }')"
	if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then needs_update=1; fi
done
if [ "$needs_update" = 1 ]; then
	t0=$(date +%s)
	"${SUDO[@]}" apt-get update -qq || { echo "install-queue-services: apt-get update failed." >&2; exit 1; }
	echo "install-queue-services: apt-get update took $(( $(date +%s) - t0 ))s"
fi

apt_install() { "${SUDO[@]}" apt-get install -y -qq --no-install-recommends postgresql redis-server >/dev/null; }
t0=$(date +%s)
if ! apt_install; then
	# Stale package lists (files that moved on the mirror): refresh them once and try again.
	echo "install-queue-services: apt-get install failed; running apt-get update and trying again." >&2
	"${SUDO[@]}" apt-get update -qq || true
	if ! apt_install; then
		echo "install-queue-services: apt-get install -y postgresql redis-server failed." >&2
		exit 1
	fi
fi
echo "install-queue-services: apt-get install postgresql redis-server took $(( $(date +%s) - t0 ))s"

if ! have_all; then
	echo "install-queue-services: installed, but no /usr/lib/postgresql/*/bin/postgres or no redis-server on PATH." >&2
	exit 1
fi
echo "install-queue-services: $(describe) ready, total $(elapsed)."
