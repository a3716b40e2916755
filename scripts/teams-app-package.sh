#!/usr/bin/env bash
# Builds the Perks Teams app package (a zip to upload in the Teams admin center or as a custom
# app): docs/teams-app's manifest with the bot's Microsoft App ID filled in, and its two icons.
# Usage: scripts/teams-app-package.sh <bot app id> [output.zip]   (default: perks-teams-app.zip)
set -euo pipefail

bot_id="${1:-}"
out="${2:-perks-teams-app.zip}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_dir="$here/docs/teams-app"

# The App (client) ID of the bot's app registration: a GUID, nothing else (it goes into JSON).
if [[ ! "$bot_id" =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]]; then
	echo "usage: $0 <bot app id (a GUID: the Azure Bot's Microsoft App ID)> [output.zip]" >&2
	exit 2
fi
command -v zip >/dev/null || { echo "zip is not installed" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bot_id="$(printf '%s' "$bot_id" | tr 'A-F' 'a-f')"
sed "s/{{BOT_ID}}/$bot_id/g" "$source_dir/manifest.json" >"$work/manifest.json"
cp "$source_dir/color.png" "$source_dir/outline.png" "$work/"

case "$out" in /*) target="$out" ;; *) target="$PWD/$out" ;; esac
rm -f "$target"
# Files at the zip's root, as Teams requires.
(cd "$work" && zip -q -X "$target" manifest.json color.png outline.png)
echo "$target"
