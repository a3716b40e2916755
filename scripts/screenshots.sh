#!/usr/bin/env bash
# Regenerates the README's editor screenshots (docs/images/*.png) from a real n8n in headless
# Chromium (scripts/screenshots.ts). Needs what the editor test needs: n8n in .cache/n8n and
# Debian's Chromium (scripts/e2e/install-chromium.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node24.sh"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/e2e/install-n8n.sh
bash scripts/e2e/install-chromium.sh
npx tsc -p tsconfig.tools.json
exec node .cache/tools/scripts/screenshots.js "$@"
