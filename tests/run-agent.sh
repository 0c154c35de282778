#!/usr/bin/env bash
# make run (step 1): start sbx-agent on the ports the E2B SDKs use in debug
# mode, with a scratch working directory, until Ctrl-C.
set -eu
build=${1:-build}
work=${SBX_WORKDIR:-$HOME/.local/share/sbx/scratch}
mkdir -p "$work"
cat <<MSG
sbx-agent: envd on http://127.0.0.1:49983, code interpreter on http://127.0.0.1:49999
Working directory: $work
Point E2B SDK code at it:
  E2B_DEBUG=true E2B_SANDBOX_URL=http://127.0.0.1:49983 node your-script.mjs
Ctrl-C stops it.
MSG
exec "$build/sbx-agent" --workdir "$work"
