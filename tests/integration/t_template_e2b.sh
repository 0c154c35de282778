#!/usr/bin/env bash
# E2B template directories (issue 11): tests/fixtures/e2b-template — an
# e2b.toml and an e2b.Dockerfile FROM e2bdev/base, as E2B's CLI starts them —
# builds unchanged with `sbx template build DIR` (and DIR/e2b.toml); sbxd
# creates sandboxes from it by template_name and by template_id, with its
# ENV, WORKDIR, USER, COPY and RUN in effect, cpu_count/memory_mb as the
# defaults, and start_cmd's server up (create waited for ready_cmd).  A
# start_cmd that fails makes create fail, and no sandbox is left.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/sbxd_lib.sh"

sbxd_init
FIX=$(cd "$(dirname "$0")/../fixtures/e2b-template" && pwd)

# build DIR --agent: the agent under test (its hash keys the build; cached after the first run)
build() {
	"$SBX" template build "$@" --agent "$AGENT" 2>"$SCRATCH/build.log"
}
if ! out=$(build "$FIX"); then
	notok "sbx template build $FIX" "$(tail -n 5 "$SCRATCH/build.log")"; exit 1
fi
expect_match "built as e2b.toml's template_name" "$out" '^(built|already built:) sbx-e2b-fixture \([0-9a-f]{12}\)'
expect_match "template_id is an alias" "$out" $'\n  alias: e2bfixture000000001'
log=$(cat "$SCRATCH/build.log")
expect_match "LABEL is ignored with a note naming its line" "$log" 'e2b-template/e2b.Dockerfile:4: LABEL ignored'
expect_match "EXPOSE is ignored with a note naming its line" "$log" 'e2b.Dockerfile:15: EXPOSE ignored'
hash=$(sed -n 's/.*sbx-e2b-fixture (\([0-9a-f]*\)).*/\1/p' <<<"$out" | head -n1)
dir=$(sed -n 's/.* in \(\/.*\)$/\1/p' <<<"$out" | head -n1)
expect_eq "meta.json: start_cmd, ready_cmd, cpu_count, memory_mb, WORKDIR, USER" \
	"$(jq -c '[.start_cmd, .ready_cmd, .cpu_count, .memory_mb, .workdir, .user]' "$dir/meta.json")" \
	"$(jq -c '[.start_cmd, .ready_cmd, 1, 1024, "/app", "user"]' <<<'{"start_cmd":"if [ -n \"$FAIL_START\" ]; then echo \"$FAIL_START\" >&2; exit 7; fi; exec python3 -m http.server 8000 --bind 127.0.0.1 --directory /app >/tmp/http.log 2>&1","ready_cmd":"curl -sf http://127.0.0.1:8000/run-marker"}')"
out=$(build "$FIX/e2b.toml")
expect_eq "the path of e2b.toml is the same template (cached)" "$(head -n1 <<<"$out")" \
	"already built: sbx-e2b-fixture ($hash) in $dir"

sbxd_start || { notok "sbx serve starts" "see the log above"; exit 1; }
eval "$("$SBX" env --state-dir "$STATE")"

# The Dockerfile's effects, and start_cmd's server, in sandbox ID/TOK.
check_sandbox() {   # check_sandbox WHAT
	local got
	got=$(run "$ID" "$TOK" 'echo "$GREETING|$APP_HOME|$(pwd)|$(id -un)"')
	expect_eq "$1: ENV, WORKDIR and USER are the sandbox's defaults" "$got" \
		"hello from e2b.Dockerfile|/app|/app|user"
	got=$(run "$ID" "$TOK" 'cat run-marker whoami data/note.txt; python3 greet.py; stat -c %U greet.py')
	expect_eq "$1: RUN (as root, then as USER) and COPY made the files" "$got" \
		"built-by-run
ran as user in /app
copied by COPY
hello from e2b.Dockerfile
user"
	got=$(run "$ID" "$TOK" 'pgrep -u user -f "http.server 8000" >/dev/null && echo running; curl -sf http://127.0.0.1:8000/data/note.txt')
	expect_eq "$1: start_cmd's server runs as USER and answers at once" "$got" "running
copied by COPY"
}

create '{"templateID":"sbx-e2b-fixture"}'
expect_eq "create by template_name → 201" "$(status)" 201
expect_eq "templateID, alias, cpuCount and memoryMB (e2b.toml's defaults)" \
	"$(api GET "/sandboxes/$ID" | jq -c '[.templateID, .alias, .cpuCount, .memoryMB]')" '["sbx-e2b-fixture","sbx-e2b-fixture",1,1024]'
check_sandbox "by name"
api DELETE "/sandboxes/$ID" >/dev/null

create '{"templateID":"e2bfixture000000001","cpuCount":2,"envVars":{"GREETING":"from the create"}}'
expect_eq "create by template_id → 201" "$(status)" 201
expect_eq "the template is the fixture; the create's cpuCount wins" \
	"$(api GET "/sandboxes/$ID" | jq -c '[.templateID, .alias, .cpuCount, .memoryMB]')" '["sbx-e2b-fixture","e2bfixture000000001",2,1024]'
expect_eq "the create's envVars win over the template's ENV" "$(run "$ID" "$TOK" 'echo "$GREETING|$APP_HOME"')" \
	"from the create|/app"
expect_eq "by id: start_cmd's server answers" "$(run "$ID" "$TOK" 'curl -sf http://127.0.0.1:8000/run-marker')" "built-by-run"
api DELETE "/sandboxes/$ID" >/dev/null

# The CLI takes the same names.
sid=$(timeout -k 5 120 "$SBX" create e2bfixture000000001 --timeout 2m 2>"$SCRATCH/cli.err" | tail -n1)
expect_eq "sbx create <template_id> → a sandbox of the fixture" \
	"$(api GET "/sandboxes/$sid" | jq -r '"\(.templateID) \(.alias)"')" "sbx-e2b-fixture e2bfixture000000001"
timeout -k 5 60 "$SBX" kill "$sid" >/dev/null 2>&1

tpl=$(api GET /templates | jq -c '.[] | select(.templateID == "sbx-e2b-fixture") | [.aliases, .cpuCount, .memoryMB]')
expect_eq "GET /templates: aliases and limits from e2b.toml" "$tpl" '[["sbx-e2b-fixture","e2bfixture000000001"],1,1024]'

# A start_cmd that fails (the fixture's does when a create sets FAIL_START):
# create says why, and no sandbox stays.
out=$(api POST /v2/sandboxes '{"templateID":"sbx-e2b-fixture","envVars":{"FAIL_START":"no such server"}}')
expect_eq "create whose start_cmd fails → 500" "$(status)" 500
expect_match "… saying which command ended how, with its output" "$(jq -r .message <<<"$out")" \
	"the template's start_cmd \\(if .*\\) ended with exit status 7 before ready; its output ends with: no such server"
left() { [ "$(api GET /v2/sandboxes | jq length)" = 0 ]; }
if wait_until 30 left; then ok "the failed sandbox is killed (none listed)"; else notok "the failed sandbox is killed" "$(api GET /v2/sandboxes)"; fi
done_testing
