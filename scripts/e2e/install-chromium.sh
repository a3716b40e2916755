#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test of the n8n editor (test/e2e/editor.e2e.ts),
# which drives it with playwright-core. Playwright's own browser download cannot work here
# (no internet besides the package registries), so the test uses the distribution's binary.
#
#   scripts/e2e/install-chromium.sh
#   CHROMIUM_PATH=/usr/lib/chromium/chromium scripts/e2e/install-chromium.sh   # (the default)
#
# Idempotent: does nothing when the binary is there and starts. Runs `apt-get update` only when
# apt does not know the package yet. Needs root (or sudo) for apt-get. Exits non-zero, loudly,
# when Chromium cannot be installed: the editor test must not be skipped silently.
set -euo pipefail

CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/lib/chromium/chromium}"
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started ))s"; }

chromium_version() {
	# The binary itself, not the /usr/bin/chromium wrapper (which printed a shell error here).
	"$CHROMIUM_PATH" --headless --no-sandbox --disable-gpu --version 2>/dev/null | head -n1 | sed "s/ *$//"
}

if [ -x "$CHROMIUM_PATH" ] && version="$(chromium_version)" && [ -n "$version" ]; then
	echo "install-chromium: $version already installed at $CHROMIUM_PATH, checked in $(elapsed)."
	exit 0
fi

SUDO=()
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
		echo "install-chromium: $CHROMIUM_PATH is missing and this is not root (no sudo) to apt-get install chromium." >&2
		exit 1
	fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-chromium: $CHROMIUM_PATH is missing and there is no apt-get on this machine." >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# apt-get update only when apt has no candidate for chromium yet (a fresh machine's empty lists).
candidate="$(apt-cache policy chromium 2>/dev/null | awk '/Candidate:/ { print $2 }')"
if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
	t0=$(date +%s)
	"${SUDO[@]}" apt-get update -qq || { echo "install-chromium: apt-get update failed." >&2; exit 1; }
	echo "install-chromium: apt-get update took $(( $(date +%s) - t0 ))s"
fi

apt_install_chromium() { "${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
t0=$(date +%s)
if ! apt_install_chromium; then
	# Stale package lists (files that moved on the mirror): refresh them once and try again.
	echo "install-chromium: apt-get install chromium failed; running apt-get update and trying again." >&2
	"${SUDO[@]}" apt-get update -qq || true
	if ! apt_install_chromium; then
		echo "install-chromium: apt-get install chromium failed." >&2
		exit 1
	fi
fi
echo "install-chromium: apt-get install chromium took $(( $(date +%s) - t0 ))s"

if ! [ -x "$CHROMIUM_PATH" ] || ! version="$(chromium_version)" || [ -z "$version" ]; then
	echo "install-chromium: chromium was installed but $CHROMIUM_PATH does not start." >&2
	exit 1
fi
echo "install-chromium: $version ready at $CHROMIUM_PATH, total $(elapsed)."
