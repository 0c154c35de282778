#!/usr/bin/env bash
# sbxd's GET /templates: E2B Template objects for the built templates (the
# newest build of each name), the same names `sbx template ls` shows, the
# API key required, wrong methods and paths refused, an empty cache → [].
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/sbxd_lib.sh"

sbxd_init
sbxd_start || { notok "sbx serve starts" "see the log above"; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"

out=$(curl -s -w ' %{http_code}' "$API/templates")
expect_match "GET /templates without the key → 401" "$out" ' 401$'

out=$(api GET /templates)
expect_eq "GET /templates → 200" "$(status)" 200
expect_eq "the answer is an array" "$(jq -r type <<<"$out")" array
want=$("$SBX" template ls --json | jq -c '[.[].name] | unique')
expect_eq "one entry per built template name (as sbx template ls)" "$(jq -c '[.[].templateID] | sort' <<<"$out")" "$want"
expect_match "base is listed (built by sbxd_init)" "$(jq -c '[.[].templateID]' <<<"$out")" '"base"'
base=$(jq -c '.[] | select(.templateID == "base")' <<<"$out")
expect_eq "Template shape" "$(jq -c 'keys' <<<"$base")" \
	'["aliases","buildCount","buildID","buildStatus","cpuCount","createdAt","diskSizeMB","envdVersion","memoryMB","public","spawnCount","templateID","updatedAt"]'
expect_eq "aliases start with the name" "$(jq -r '.aliases[0]' <<<"$base")" base
expect_eq "buildStatus ready, not public" "$(jq -r '"\(.buildStatus) \(.public)"' <<<"$base")" "ready false"
newest=$("$SBX" template ls --json | jq -r '[.[] | select(.name == "base")][0].hash[0:12]')
expect_eq "buildID is the newest build's hash" "$(jq -r .buildID <<<"$base")" "$newest"
expect_match "createdAt is a time" "$(jq -r .createdAt <<<"$base")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'
expect_eq "limits are the create defaults" "$(jq -r '"\(.cpuCount) \(.memoryMB)"' <<<"$base")" "2 512"

api GET /templates/ >/dev/null
expect_eq "GET /templates/ → 200 too" "$(status)" 200
api POST /templates '{}' >/dev/null
expect_eq "POST /templates → 405" "$(status)" 405
out=$(api GET /templates/base/builds)
expect_eq "an unknown templates path → 404 {code:404}" "$(status) $(jq -r .code <<<"$out")" "404 404"

# Every listed name is one a create accepts: the names come from the cache
# sbxd creates from.  With an empty cache the list is empty, not an error.
sbxd_stop
mkdir -p "$SCRATCH/empty-cache"
SBX_CACHE_DIR=$SCRATCH/empty-cache sbxd_start || { notok "sbx serve restarts" "see the log above"; exit 1; }
out=$(api GET /templates)
expect_eq "no built templates → 200 []" "$(status) $out" "200 []"
sbxd_stop
done_testing
