#!/usr/bin/env bash
# Sourced by the e2e install scripts: `apt_install <label> <package>…` installs Debian packages as
# root (or with sudo -n), runs `apt-get update` only when apt has no candidate for one of them yet
# (a fresh machine's empty lists), and refreshes the lists once more if the install fails (files that
# moved on the mirror). Prints timings under <label>; returns non-zero, saying why, on failure.
apt_install() {
	local label="$1"
	shift
	local sudo=()
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
			echo "$label: $* missing and this is not root (no sudo) to apt-get install them." >&2
			return 1
		fi
	fi
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "$label: $* missing and there is no apt-get on this machine." >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	local package candidate t0 needs_update=0
	for package in "$@"; do
		candidate="$(apt-cache policy "$package" 2>/dev/null | awk '/Candidate:/ { print $2 }')"
		if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then needs_update=1; fi
	done
	if [ "$needs_update" = 1 ]; then
		t0=$(date +%s)
		"${sudo[@]}" apt-get update -qq || { echo "$label: apt-get update failed." >&2; return 1; }
		echo "$label: apt-get update took $(( $(date +%s) - t0 ))s"
	fi
	t0=$(date +%s)
	if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
		echo "$label: apt-get install $* failed; running apt-get update and trying again." >&2
		"${sudo[@]}" apt-get update -qq || true
		if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null; then
			echo "$label: apt-get install $* failed." >&2
			return 1
		fi
	fi
	echo "$label: apt-get install $* took $(( $(date +%s) - t0 ))s"
}
