#!/usr/bin/env bash
# make run (until the workbench lands): sbxd in the foreground on the best
# runtime available, with the E2B SDK environment printed first.
set -eu
build=${1:-build}
port=${SBX_PORT:-49982}
cat <<MSG
sbxd: the local E2B control plane on http://127.0.0.1:$port (Ctrl-C stops it).
In another shell:
  eval "\$($build/sbx env)"             # E2B_API_URL, E2B_SANDBOX_URL, E2B_API_KEY
  $build/sbx create --template base     # or run any E2B SDK example unchanged
  $build/sbx exec ID -- uname -a ; $build/sbx run ID -c 'print(6*7)' ; $build/sbx exec ID -t -- bash
MSG
exec "$build/sbx" serve --listen "tcp:127.0.0.1:$port"
