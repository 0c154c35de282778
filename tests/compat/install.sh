#!/usr/bin/env bash
# Installs the pinned E2B SDKs (package-lock.json) into tests/compat/node_modules
# whenever the lockfile changed since the last npm ci.  Used by run-compat.sh
# and by make test before the integration suite (t_sbxd_liveness drives the
# official SDK against a dead sandbox).
set -u
COMPAT=$(cd "$(dirname "$0")" && pwd)
STAMP=$COMPAT/node_modules/.sbx-lock-sha256
WANT=$(sha256sum "$COMPAT/package-lock.json" | cut -d' ' -f1)
[ "$(cat "$STAMP" 2>/dev/null)" = "$WANT" ] && exit 0
echo "compat: npm ci (package-lock.json changed or node_modules missing)"
if ! (cd "$COMPAT" && npm ci --no-audit --no-fund --loglevel=error); then
	echo "compat: npm ci failed; is the npm registry reachable?" >&2
	exit 2
fi
echo "$WANT" >"$STAMP"
