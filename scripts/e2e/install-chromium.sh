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

source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
apt_install install-chromium chromium || exit 1

if ! [ -x "$CHROMIUM_PATH" ] || ! version="$(chromium_version)" || [ -z "$version" ]; then
	echo "install-chromium: chromium was installed but $CHROMIUM_PATH does not start." >&2
	exit 1
fi
echo "install-chromium: $version ready at $CHROMIUM_PATH, total $(elapsed)."
