#!/usr/bin/env bash
# Builds, once, the cached rootfs that tests/integration/t_ns_*.sh use
# (mmdebstrap, a few minutes), so that their first run does not spend its
# time limit on it; with an agent binary, also adds the Debian packages of
# its shared libraries.  Usage: tests/integration/ns-template.sh [AGENT]
set -eu
AGENT=${1:-${AGENT:-}}
TOOLS=${TOOLS:-}
. "$(dirname "$0")/ns_lib.sh"
ns_build_template || { echo "ns-template: failed; see $NS_CACHE/ns-template.log" >&2; exit 1; }
if [ -n "$AGENT" ]; then ns_template_deps; fi
echo "$NS_TEMPLATE_DEFAULT"
