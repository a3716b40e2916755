#!/usr/bin/env bash
# The main job (`npm start`): a real n8n 2.x on 127.0.0.1 with this package and every template in
# workflows/, the perks platform, Slack and Microsoft Graph (Teams) emulated on loopback. Sets a
# fresh clone up first. See scripts/sandbox.ts. Extra arguments (for example --once) are passed on.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node24.sh"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/e2e/install-n8n.sh
npx tsc -p tsconfig.tools.json
exec node .cache/tools/scripts/sandbox.js "$@"
