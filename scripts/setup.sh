#!/usr/bin/env bash
# One-time (and idempotent) set-up of a fresh clone: Node.js 24, dependencies, a build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/node24.sh"
cd "$ROOT"
# No install scripts (as in .npmrc): eslint-plugin-n8n-nodes-base (inside @n8n/node-cli) has a
# `preinstall` that insists on pnpm; none of our dependencies needs an install script to work.
# --include=dev: the build and tests need the dev dependencies even where NODE_ENV=production or an
# inherited npm_config_omit says otherwise.
# A linked node_modules (a git worktree sharing another clone's) is left alone: npm ci would empty its target.
if [ -L node_modules ]; then
	echo "node_modules is a link: not reinstalling it" >&2
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --ignore-scripts=true --global=false --include=dev --no-audit --no-fund
fi
npm run build
