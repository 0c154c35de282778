#!/usr/bin/env bash
# Runs every tests/integration/t_*.sh against the agent of build dir $1 and
# prints the closing summary "integration: N passed, N failed, N skipped"
# (tests/tap_run.sh: plans, skips, time limit).  600 s a script: t_template
# builds base for a new agent (about 4 min on 2 cores) before its checks.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
export AGENT=$(cd "$build" && pwd)/sbx-agent TOOLS=$(cd "$build" && pwd)/tools
. "$here/tap_run.sh"
tap_run integration 600 "$here"/integration/t_*.sh
