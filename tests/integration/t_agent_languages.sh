#!/usr/bin/env bash
# Cells in every language of the code-interpreter template, through the agent
# under test ($AGENT) in an ns sandbox of that template: a hard-linked copy
# of its rootfs without its own agent, so the runtime binds $AGENT in (the
# runtime cannot idmap an overlay); the kernels are the template's: JavaScript/TypeScript (Deno), R (IRkernel),
# bash (bash_kernel) — results, stdout, errors with tracebacks, R's PNG
# plot, bash's exit status, require() of a package installed with npm
# (from a local tarball, no network), env_vars and cwd per language,
# contexts per language, Deno's late execute_results, GET /languages.
# Needs root and the code-interpreter template of this tree (make templates
# builds it; here it is looked up with the same build, a no-op when cached);
# SBX_LANG_TEMPLATE picks another template dir.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ns_lib.sh"
if [ "$(id -u)" -ne 0 ]; then skip_all "the ns runtime needs root"; fi
# Not `sbx-template path` (the newest build of any tree and agent): the
# build `make templates` made, with build/'s agent, from this tree's recipe.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CI=${SBX_LANG_TEMPLATE:-}
if [ -z "$CI" ]; then
	[ -x "$ROOT/build/tools/sbx-template" ] || skip_all "no build/tools/sbx-template (make all)"
	CI=$(SBX_ROOT=$ROOT timeout -k 5 540 "$ROOT/build/tools/sbx-template" build code-interpreter -q \
		2>"$SCRATCH/tpl.err" | tail -n 1)
fi
if [ -z "$CI" ] || [ ! -f "$CI/meta.json" ]; then
	notok "the code-interpreter template" "$(tail -n 5 "$SCRATCH/tpl.err" 2>/dev/null | tr '\n' ' ')"
	exit 1
fi
# The template without its agent (hard links: nothing is copied; the
# sandbox writes to its own upper layer only).
TPL=$SCRATCH/tpl
mkdir -p "$TPL"
cp "$CI/meta.json" "$TPL/"
if ! cp -al "$CI/rootfs" "$TPL/rootfs" 2>"$SCRATCH/cp.err"; then
	notok "a hard-linked copy of the template" "$(head -3 "$SCRATCH/cp.err")"
	exit 1
fi
rm -f "$TPL/rootfs/usr/lib/sbx/sbx-agent"
export SBX_NS_TEMPLATE=$TPL
ns_init

ns_create langs --memory 2048 --disk 1024 || { notok "create a code-interpreter sandbox" "see above"; exit 1; }
S=$ST
OUT=$SCRATCH/.out

# req METHOD PATH [BODY]: the answer's body in $OUT, its status on stdout.
req() {
	local m=$1 p=$2 b=${3:-}
	curl -s -N -m 240 -o "$OUT" -w '%{http_code}' --unix-socket "$(ns_sock "$S")" -H "X-Access-Token: $NS_TOKEN" \
		-H 'Content-Type: application/json' -X "$m" ${b:+--data-binary "$b"} "http://sbx$p"
}
# cell LANG CODE [ENV_JSON]: runs CODE in LANG's default context (LANG may be
# ctx:ID for a context); the NDJSON in $OUT.
cell() {
	local body
	case $1 in
	ctx:*) body=$(jq -cn --arg c "$2" --arg x "${1#ctx:}" --argjson e "${3:-null}" \
		'{code:$c,context_id:$x} + (if $e then {env_vars:$e} else {} end)') ;;
	*) body=$(jq -cn --arg c "$2" --arg l "$1" --argjson e "${3:-null}" \
		'{code:$c,language:$l} + (if $e then {env_vars:$e} else {} end)') ;;
	esac
	req POST /execute "$body" >/dev/null
}
q() { jq -r -s "$1" "$OUT" 2>/dev/null; }
main_text() { q '[.[] | select(.type == "result" and .is_main_result)][0].text // "none"'; }
first_text() { q '[.[] | select(.type == "result")][0].text // "none"'; }
stdout_text() { q '[.[] | select(.type == "stdout") | .text] | join("")'; }
err_field() { q "[.[] | select(.type == \"error\")][0].$1 // \"none\""; }
any_text() { q '([.[] | select(.type == "result")][0].text // "") + ([.[] | select(.type == "stdout") | .text] | join(""))'; }
n_errors() { q '[.[] | select(.type == "error")] | length'; }

# --- GET /languages and the default contexts --------------------------------------
expect_eq "/languages: 200" "$(req GET /languages)" 200
expect_eq "/languages: every language of the template, python first" \
	"$(q '.[0] | map(.language + "=" + .kernel) | join(",")')" \
	"python=python3,bash=bash,javascript=deno,r=ir,typescript=deno"
expect_eq "/languages: display names from the kernelspecs" "$(q '.[0] | map(select(.language == "javascript"))[0].display_name')" \
	"Deno (JavaScript/TypeScript)"
expect_eq "/languages: without a token 401" "$(curl -s -o /dev/null -w '%{http_code}' -m 10 \
	--unix-socket "$(ns_sock "$S")" http://sbx/languages)" 401
req GET /contexts >/dev/null
expect_eq "default contexts: python and javascript, as E2B lists them" \
	"$(q '.[0] | map(.language + ":" + .cwd) | join(",")')" "python:/home/user,javascript:/home/user"

# --- JavaScript / TypeScript (Deno) --------------------------------------------------
cell js 'console.log("Hello World!")'
expect_eq "js: console.log is stdout" "$(q '[.[] | select(.type == "stdout") | .text] | tojson')" '["Hello World!\n"]'
expect_eq "js: no error" "$(n_errors)" 0
cell js 'await Promise.resolve("Hello World!")'
expect_eq "js: top-level await result, a string as E2B shows it" "$(main_text)" "Hello World!"
cell js $'import { readFileSync } from "fs"\nconsole.log(typeof readFileSync)'
expect_eq "js: ESM import of a node module" "$(stdout_text)" "function"
cell ts 'const message: string = "Hello World!"; console.log(message)'
expect_eq "ts: type annotations" "$(stdout_text)" "Hello World!"
cell js 'process.cwd()'
expect_eq "js: cwd is /home/user" "$(main_text)" "/home/user"
cell ts 'process.cwd()'
expect_eq "ts: cwd is /home/user" "$(main_text)" "/home/user"
cell js 'throw new Error("boom")'
expect_eq "js: error name" "$(err_field name)" "Error"
expect_eq "js: error value" "$(err_field value)" "boom"
expect_match "js: error traceback" "$(err_field traceback)" '^Error: boom'$'\n''    at '
cell js 'process.env.FOO' '{"FOO":"bar"}'
expect_eq "js: env_vars for one cell" "$(main_text)" "bar"
cell js 'process.env.FOO || "default"'
expect_eq "js: env_vars gone after the cell" "$(main_text)" "default"
cell ts 'process.env.FOO' '{"FOO":"ts-bar"}'
expect_eq "ts: env_vars for one cell" "$(main_text)" "ts-bar"

# Deno publishes some execute_results after its idle and execute_reply: every
# one of these cells must still have its result.
late_ok=0
for i in $(seq 1 50); do
	cell js 'console.log("a"); 1+1'
	[ "$(main_text)" = 2 ] && [ "$(stdout_text)" = a ] && late_ok=$((late_ok + 1))
done
expect_eq "js: 50 x console.log + 1+1, every result arrives" "$late_ok" 50

# npm install (a local tarball: no network) in /home/user, then require/import.
r=$(ns_run "$S" 'set -e; mkdir -p /tmp/src/sbxpkg && cd /tmp/src/sbxpkg
printf "%s" "{\"name\":\"sbxpkg\",\"version\":\"1.0.0\",\"main\":\"index.js\"}" > package.json
printf "%s\n" "module.exports = { say: (s) => \"sbxpkg says \" + s };" > index.js
cd /tmp/src && npm pack ./sbxpkg >/dev/null 2>&1
cd /home/user && npm install --offline --no-audit --no-fund /tmp/src/sbxpkg-1.0.0.tgz >/dev/null 2>&1
test -f /home/user/node_modules/sbxpkg/index.js && echo installed')
expect_eq "npm install of a local package in /home/user" "$(printf '%s\n' "$r" | ns_out)" "installed"
cell js 'require("sbxpkg").say("hi")'
expect_eq "js: require() of the npm-installed package (kernel started before)" "$(main_text)" "sbxpkg says hi"
expect_eq "js: require: no error" "$(n_errors)" 0
cell js 'import { say } from "sbxpkg"; say("esm")'
expect_eq "js: import of the npm-installed package" "$(main_text)" "sbxpkg says esm"

# --- R (IRkernel) ----------------------------------------------------------------------
cell r 'print("Hello, World!")'
expect_eq "r: print is stdout" "$(stdout_text)" '[1] "Hello, World!"'
cell r 'Sys.getenv("FOO")' '{"FOO":"bar"}'
expect_eq "r: env_vars for one cell (results[0].text as E2B's R tests)" "$(first_text)" '[1] "bar"'
cell r 'Sys.getenv("FOO", unset = "default")'
expect_eq "r: env_vars gone after the cell" "$(first_text)" '[1] "default"'
cell r 'getwd()'
expect_eq "r: cwd is /home/user" "$(first_text)" '[1] "/home/user"'
cell r 'stop("boom")'
expect_eq "r: error name" "$(err_field name)" "ERROR"
expect_match "r: error value" "$(err_field value)" 'boom'
expect_match "r: error traceback" "$(err_field traceback)" 'stop\("boom"\)'
cell r 'plot(1:10)'
expect_match "r: plot() gives a PNG" "$(q '[.[] | select(.type == "result" and .png)][0].png // "none"' | tr -d '\n' | head -c 12)" '^iVBORw0KGgo'

# --- bash ------------------------------------------------------------------------------
cell bash 'echo hello; pwd'
expect_eq "bash: stdout" "$(stdout_text)" $'hello\n/home/user'
cell bash 'echo $FOO' '{"FOO":"it'"'"'s \"quoted\" $HOME"}'
expect_eq "bash: env_vars for one cell, quoting kept" "$(stdout_text)" 'it'"'"'s "quoted" $HOME'
cell bash 'echo ${FOO:-default}'
expect_eq "bash: env_vars gone after the cell" "$(stdout_text)" "default"
cell bash 'export KEEP=1; echo ${KEEP}' '{"KEEP":"0"}'
cell bash 'echo ${KEEP:-unset}'
expect_eq "bash: env_vars restore what was there before (unset)" "$(stdout_text)" "unset"
cell bash 'echo before; (exit 3)'
expect_eq "bash: output before a failing command" "$(stdout_text)" "before"
expect_eq "bash: a non-zero exit status is an error (value: the status, as E2B)" "$(err_field value)" "3"
cell bash 'echo ok'
expect_eq "bash: the next cell runs" "$(stdout_text)" "ok"
expect_eq "bash: env_vars with a name bash cannot export: 400" \
	"$(req POST /execute '{"code":"true","language":"bash","env_vars":{"A-B":"1"}}')" 400

# --- the sandbox's global env (/init envVars, E2B's Sandbox.create envs) ----------
# The kernels above started before it: each language's cell brings its
# kernel up to date first.
expect_eq "/init with envVars" "$(req POST /init '{"envVars":{"TEST_ENV_VAR":"supertest"}}')" 204
cell js 'process.env.TEST_ENV_VAR'
expect_eq "js: global env" "$(main_text)" "supertest"
cell js 'process.env.TEST_ENV_VAR' '{"TEST_ENV_VAR":"overwrite"}'
expect_eq "js: env_vars overwrite the global env" "$(main_text)" "overwrite"
cell js 'process.env.TEST_ENV_VAR'
expect_eq "js: the global value is back" "$(main_text)" "supertest"
cell r 'Sys.getenv("TEST_ENV_VAR")'
expect_eq "r: global env" "$(first_text)" '[1] "supertest"'
cell bash 'echo $TEST_ENV_VAR'
expect_eq "bash: global env" "$(stdout_text)" "supertest"
cell bash 'echo $TEST_ENV_VAR' '{"TEST_ENV_VAR":"overwrite"}'
expect_eq "bash: env_vars overwrite the global env" "$(stdout_text)" "overwrite"
cell bash 'echo $TEST_ENV_VAR'
expect_eq "bash: the global value is back" "$(stdout_text)" "supertest"

# --- contexts per language ---------------------------------------------------------------
# ctx_cycle LANG NORMALISED SET GET GET_AFTER_RESTART CWD_CODE CWD_WANT
ctx_cycle() {
	local lang=$1 norm=$2 set=$3 get=$4 want=$5 after=$6 cwdc=$7 cwdw=$8 id
	expect_eq "$lang context: create 200" "$(req POST /contexts "$(jq -cn --arg l "$lang" '{language:$l,cwd:"/tmp"}')")" 200
	id=$(q '.[0].id')
	expect_eq "$lang context: language normalised" "$(q '.[0].language')" "$norm"
	req GET /contexts >/dev/null
	expect_eq "$lang context: listed" "$(q '.[0] | map(select(.id == "'"$id"'")) | length')" 1
	cell "ctx:$id" "$cwdc"
	expect_eq "$lang context: its cwd" "$(any_text)" "$cwdw"
	cell "ctx:$id" "$set"
	cell "ctx:$id" "$get"
	expect_eq "$lang context: keeps state" "$(any_text)" "$want"
	expect_eq "$lang context: restart 200" "$(req POST "/contexts/$id/restart")" 200
	cell "ctx:$id" "$after"
	expect_eq "$lang context: state gone after restart" "$(any_text)" "$5-gone"
	expect_eq "$lang context: remove 200" "$(req DELETE "/contexts/$id")" 200
	req GET /contexts >/dev/null
	expect_eq "$lang context: no longer listed" "$(q '.[0] | map(select(.id == "'"$id"'")) | length')" 0
	expect_eq "$lang context: execute after remove 404" "$(req POST /execute "$(jq -cn --arg x "$id" '{code:"1",context_id:$x}')")" 404
}
ctx_cycle javascript javascript 'globalThis.v = 7' 'v' 7 'typeof v === "undefined" ? "7-gone" : "kept"' 'process.cwd()' /tmp
ctx_cycle ts typescript 'globalThis.v = 7' 'v' 7 'typeof v === "undefined" ? "7-gone" : "kept"' 'process.cwd()' /tmp
ctx_cycle r r 'v <- 7' 'cat(v)' 7 'cat(if (exists("v")) "kept" else "7-gone")' 'cat(getwd())' /tmp
ctx_cycle bash bash 'V=7' 'echo $V' 7 'echo ${V:-7-gone}' 'pwd' /tmp

# --- a language the template lacks --------------------------------------------------------
expect_eq "java: no kernel is 404" "$(req POST /contexts '{"language":"java"}')" 404
expect_match "java: the error names what to install" "$(cat "$OUT")" 'code-interpreter-java.*openjdk-17-jdk-headless.*pip install jjava'

ns_snapshot "$S"
# On a loaded machine the disk's loop device can stay busy past destroy's
# 10 s after a run this size (npm, Deno's cache, four kernels); destroy says
# to run it again, so it gets a few tries, each a whole destroy.
destroyed() { out=$("$RT" destroy "$S" 2>&1) || { [ ! -e "$S/state.json" ] && [ ! -e "$S/disk" ]; }; }
tries=0
until destroyed || [ $((tries += 1)) -ge 4 ]; do sleep 1; done
if [ ! -e "$S/state.json" ]; then ok "destroy"; else notok "destroy" "$out"; fi
ns_no_leak langs "$S"
done_testing
