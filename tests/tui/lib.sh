# Sourced by every tests/tui/t_*.sh: the workbench (build/sbx) in a private
# tmux server against a private sbxd, driven with send-keys and checked
# with capture-pane against golden screens (tests/tui/golden/NAME.txt).
#
# Environment from tests/run-tui.sh: AGENT, TOOLS (as for the integration
# tests), SBX_TUI_ARTEFACTS (where failed screens and logs are kept).
# SBX_TUI_UPDATE=1 rewrites the goldens instead of comparing: each is then a
# skip (nothing was checked), which fails the run unless SBX_TEST_ALLOW_SKIP=1;
# `make test` refuses to run with it set.
#
#   tui_init [NEED_TEMPLATE]   root/ns checks, sbxd on a free port, E2B_* and
#                              private XDG dirs; NEED_TEMPLATE must be built
#   tui_start [ARGS...]        the workbench in a fresh 100x30 tmux session
#   tui_keys KEY...            tmux key names (Escape is followed by a pause)
#   tui_type TEXT              literal text
#   tui_wait_for NAME TEXT [SECS]   ok/notok: TEXT shows up on the screen
#   tui_wait_gone NAME TEXT [SECS]  ok/notok: TEXT is gone from the screen
#   tui_golden NAME [SECS]     ok/notok: the normalised screen equals the golden
#   tui_alive NAME             ok/notok: the workbench still runs
#   tui_screen                 the raw screen on stdout
#   tui_api_create TEMPLATE    a sandbox through the API; sets ID (killed at exit)
#   tui_api_proxy OPTIONS...   api_proxy.py between the workbench (and api)
#                              and sbxd, adding what OPTIONS say; call before tui_start
# Every sandbox of the private sbxd is killed at exit (sbx kill --all), then
# sbxd_cleanup destroys whatever is left.
set -u
TUI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$TUI_DIR/../.." && pwd)
if [ -z "${AGENT:-}" ]; then
	AGENT=$ROOT/build/sbx-agent TOOLS=$ROOT/build/tools
fi
. "$ROOT/tests/integration/lib.sh"
. "$ROOT/tests/integration/sbxd_lib.sh"

TUI_NAME=$(basename "$0" .sh)
TUI_SOCK=sbxtui$$
TUI_GOLDEN=$TUI_DIR/golden
TUI_ART=${SBX_TUI_ARTEFACTS:-/tmp/sbx-tui-artefacts}/$TUI_NAME
TUI_LOG=$SCRATCH/workbench.log
TUI_EXIT=$SCRATCH/workbench.exit
TUI_PID=
TUI_SH=                       # the shell holding it (writes $TUI_EXIT)
TUI_IDS=$SCRATCH/ids          # every sandbox id seen, for the normaliser
export LC_ALL=C.UTF-8

tm() { tmux -L "$TUI_SOCK" -f /dev/null "$@"; }

# The workbench shows every template its sbxd has, and the goldens show the
# two `make templates` builds: sbxd gets a view of the cache with only the
# builds of those (other tests add theirs, e.g. t_template_e2b's fixture);
# everything else in it is the real cache's, linked.
tui_cache_view() {
	local real=${SBX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sbx} view=$SCRATCH/cache x m
	mkdir -p "$view/templates"
	for x in "$real"/* "$real"/.[!.]*; do
		[ -e "$x" ] && [ "$(basename "$x")" != templates ] && ln -s "$x" "$view/"
	done
	for m in "$real"/templates/*/meta.json; do
		case $(jq -r .name "$m" 2>/dev/null) in
		base|code-interpreter) ln -s "$(dirname "$m")" "$view/templates/" ;;
		esac
	done
	export SBX_CACHE_DIR=$view
}

tui_init() {
	command -v tmux >/dev/null || { notok "tmux" "tmux is not installed (tests/deps.sh)"; exit 1; }
	sbxd_init
	trap 'tui_cleanup; sbxd_cleanup; cleanup' EXIT
	at_done tui_done
	export XDG_STATE_HOME=$SCRATCH/xdg-state
	tui_cache_view
	sbxd_start || { notok "sbxd starts" "see the log above"; exit 1; }
	local env_out
	env_out=$("$SBX" env --state-dir "$STATE") || { notok "sbx env" "$env_out"; exit 1; }
	eval "$env_out"
	export E2B_API_URL E2B_SANDBOX_URL E2B_API_KEY
	unset E2B_DEBUG E2B_DOMAIN SBX_SIXEL
	: >"$TUI_IDS"
	if [ -n "${1:-}" ] && ! api GET /templates | jq -e --arg t "$1" 'any(.[]; .templateID == $t or (.aliases // [] | index($t)))' >/dev/null; then
		notok "template $1" "not built; run make templates"
		exit 1
	fi
}

# done_testing's (before sbxd's): the workbench gone before the sanitizer scan.
tui_done() {
	if [ -n "$TUI_PID" ] && ! tui_dead; then
		kill "$TUI_PID" 2>/dev/null
		local i
		for i in $(seq 1 100); do tui_dead && break; sleep 0.1; done
	fi
	return 0
}

tui_cleanup() {
	if [ -n "$TUI_PID" ] && kill -0 "$TUI_PID" 2>/dev/null; then
		kill "$TUI_PID" 2>/dev/null
	fi
	tm kill-server 2>/dev/null
	if [ -n "$SBXD_PID" ]; then
		timeout -k 5 60 "$SBX" kill --all >/dev/null 2>&1
	fi
	if [ "$(fails)" -gt 0 ]; then
		mkdir -p "$TUI_ART"
		[ -f "$TUI_LOG" ] && cp "$TUI_LOG" "$TUI_ART/workbench.log"
		cp "$SBXD_LOG" "$TUI_ART/sbxd.log" 2>/dev/null
		echo "# artefacts of $TUI_NAME in $TUI_ART"
	fi
	return 0
}

# tui_start [ARGS...]: a fresh tmux server with one 100x30 window running
# `sbx workbench ARGS` (stderr to $TUI_LOG); waits until it draws.
tui_start() {
	# A shell stays the pane's process: it reaps the workbench and records
	# its exit status (tmux 3.3a sometimes never reaps a pane's process).
	local cmd="$(printf '%q ' "$SBX" workbench "$@")2>>$(printf %q "$TUI_LOG"); echo \$? >$(printf %q "$TUI_EXIT")"
	tm kill-server 2>/dev/null
	# a workbench started before: its shell may still be writing its exit
	# status, which would read as this one's
	local i sh
	for i in $(seq 1 50); do
		[ -n "$TUI_SH" ] && kill -0 "$TUI_SH" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$TUI_EXIT"
	# (tmux 3.3a dies on window-size/remain-on-exit set before the first
	# session: they come after it; a dead pane stays for its exit status.)
	tm start-server \; set -g default-terminal tmux-256color \; set -g escape-time 0 \
		\; new-session -d -s wb -x 100 -y 30 \
		-e "E2B_API_URL=$E2B_API_URL" -e "E2B_API_KEY=$E2B_API_KEY" -e "E2B_SANDBOX_URL=$E2B_SANDBOX_URL" \
		-e "XDG_CONFIG_HOME=$XDG_CONFIG_HOME" -e "XDG_STATE_HOME=$XDG_STATE_HOME" -e "HOME=$SCRATCH" \
		-e "LC_ALL=C.UTF-8" "$cmd" \
		\; set -g window-size manual \; set -g remain-on-exit on \; set -g status off
	sh=$(tm display -p -t wb '#{pane_pid}')
	TUI_SH=$sh
	TUI_PID=
	for i in $(seq 1 50); do
		TUI_PID=$(ps -o pid= --ppid "$sh" | tr -d ' ' | head -n1)
		[ -n "$TUI_PID" ] && break
		sleep 0.05
	done
	for i in $(seq 1 100); do
		tui_screen | grep -q 'F1 help' && return 0
		tui_dead && break
		sleep 0.1
	done
	notok "workbench starts" "no 'F1 help' on the screen"
	tui_dump
	return 1
}

tui_screen() { tm capture-pane -p -t wb 2>/dev/null | sed 's/ *$//'; }

# 0 when the workbench has exited (or its pane is gone).
tui_dead() {
	[ -s "$TUI_EXIT" ] && return 0
	[ "$(tm display -p -t wb '#{pane_dead}' 2>/dev/null)" = 0 ] || return 0
	[ -n "$TUI_PID" ] && kill -0 "$TUI_PID" 2>/dev/null && return 1
	return 0
}
# The workbench's exit status ("" while it runs).
tui_exit_status() { cat "$TUI_EXIT" 2>/dev/null; }

# What a failure shows: the screen and the workbench's stderr.
tui_dump() {
	local st
	if [ -s "$TUI_EXIT" ]; then echo "# the workbench exited with status $(tui_exit_status)"; fi
	echo "# screen:"
	tui_screen | sed 's/^/#   |/'
	if [ -s "$TUI_LOG" ]; then
		echo "# workbench stderr (last 40 lines):"
		tail -n 40 "$TUI_LOG" | sed 's/^/#   /'
	fi
}

tui_alive() {
	if tui_dead; then
		notok "$1: the workbench is alive" "it exited or crashed"
		tui_dump
		return 1
	fi
	ok "$1: the workbench is alive"
}

# tui_keys KEY...: one send-keys per key so that Escape can be followed by
# a pause (the workbench reads ESC+key within its escape delay as Alt+key).
tui_keys() {
	local k
	for k in "$@"; do
		tm send-keys -t wb "$k"
		case $k in Escape) sleep 0.15;; esac
	done
}
tui_type() { tm send-keys -t wb -l "$1"; }

# _poll SECS CMD...: runs CMD every 0.1 s until it succeeds (0), the
# workbench dies (2) or SECS pass (1).
_poll() {
	local deadline=$(( $(date +%s%N) / 1000000 + ${1%.*} * 1000 )); shift
	while :; do
		"$@" && return 0
		tui_dead && return 2
		[ $(( $(date +%s%N) / 1000000 )) -ge $deadline ] && return 1
		sleep 0.1
	done
}
_has() { tui_screen | grep -qF -- "$1"; }
_hasnt() { ! _has "$1"; }

# tui_wait_for NAME TEXT [SECS] / tui_wait_gone NAME TEXT [SECS]: ok once
# TEXT is on (off) the screen, polled; not ok with the screen and the
# workbench's log when the time is up or the workbench exited.
_tui_wait() {
	local check=$1 name=$2 text=$3 secs=${4:-10} what rc
	[ "$check" = _has ] && what="'$text' did not show up" || what="'$text' still on the screen"
	_poll "$secs" "$check" "$text"; rc=$?
	case $rc in
	0) ok "$name" ;;
	2) notok "$name" "the workbench exited while waiting ($what)"; tui_dump ;;
	*) notok "$name" "$what within $secs s"; tui_dump ;;
	esac
	return $rc
}
tui_wait_for() { _tui_wait _has "$@"; }
tui_wait_gone() { _tui_wait _hasnt "$@"; }

# Sandbox ids the private sbxd knows (kept: the normaliser must also hide
# ids of sandboxes that are gone by now).
tui_note_ids() {
	api GET /v2/sandboxes 2>/dev/null | jq -r '.[].sandboxID' 2>/dev/null >>"$TUI_IDS"
	sort -u -o "$TUI_IDS" "$TUI_IDS"
}

# The screen without what changes run to run: sandbox ids (whole and the
# 8-character prefixes the panes show, same width), durations, CPU and
# memory figures, clock times and dates, pids, local ports, template build hashes, the scratch dir, kernel
# temp dirs, code context ids, spinner glyphs, the alignment padding that follows a duration.
tui_normalise() {
	SCRATCH=$SCRATCH IDS="$(tr '\n' ' ' <"$TUI_IDS")" perl -CSD -Mutf8 -pe '
		BEGIN { @ids = split " ", $ENV{IDS}; $scr = $ENV{SCRATCH}; }
		for my $id (@ids) {
			my $p = substr($id, 0, 8);
			s/\Q$id\E/<sandbox-id-20-char>/g;
			s/\Q$p\E[a-z0-9]*/<sbx-id>/g;
		}
		s/\b(?=[a-z0-9]*[0-9])[a-z0-9]{20}\b/<sandbox-id-20-char>/g;
		# what a narrow pane leaves of an id: cut or wrapped pieces
		s/\buser@[a-z0-9]+/user\@<id>/g;
		# (a piece of 6 or more letters inside an id is no English word by
		# chance; shorter ones must hold a digit)
		s{\b([a-z0-9]{4,})\b}{ my $t = $1; (grep { index($_, $t) >= 0 } @ids) && ($t =~ /\d/ || length($t) >= 6) ? "<id>" : $t }ge;
		s/\Q$scr\E/<scratch>/g;
		s/sbxk-[0-9]+-[A-Za-z0-9]+/sbxk-<tmp>/g;
		# code contexts (uuids) by the 8 characters shown
		s/\b(ctx|context) [0-9a-f]{1,8}\b/$1 <ctx>/g;   # (cut by the key hints: fewer)
		s/context \([0-9a-f]{8}\)/context (<ctx>)/g;
		s/\b\d{4}-\d\d-\d\d\b/<date>/g;
		s/\b\d\d:\d\d(:\d\d)?\b/<time>/g;
		s/\bpid \d+/pid <pid>/g;
		# local ports: forwards and the private sbxd (ports pane URLs)
		s/\b(127\.0\.0\.1|localhost):\d+/$1:<port>/g;
		# a template named by its build (base-HASH: the hash follows the agent)
		s/\b(base|code-interpreter)-[0-9a-f]{12}\b/$1-<build>/g;
		s/\b\d+\.\d+s\b/<dur>/g;
		s/\b\d+(?:[dhm]\d\d[hms]|s)\b/<dur>/g;
		s/\b\d+[dhm]\d?$/<dur>/;      # cut by the right edge
		s/(\s)(?:\d+%|-)\s+(?:\d[\d.]*[KMGT]?\/\d[\d.]*[KMGT]?|-)\s*$/$1<metrics>/;
		s/[\x{2800}-\x{28ff}]/*/g;
		if (/<dur>/) { my ($a, $b) = split /<dur>/, $_, 2; $b =~ s/ {2,}/  /g; $_ = "$a<dur>$b"; }
		s/<dur> {2,}/<dur> /g;
		s/ +$//;
	'
}

# tui_golden NAME [SECS]: waits up to SECS (default 5) for the normalised
# screen to equal tests/tui/golden/NAME.txt; on a mismatch prints the diff
# as TAP diagnostics and keeps the screen in the artefacts dir.
tui_golden() {
	local name=$1 secs=${2:-5} gold=$TUI_GOLDEN/$1.txt cur=$SCRATCH/screen.$1.txt
	tui_note_ids
	if [ -n "${SBX_TUI_UPDATE:-}" ]; then
		# Settle first: the same screen twice, 0.3 s apart.
		local prev="" i
		for i in $(seq 1 20); do
			tui_screen | tui_normalise >"$cur"
			[ "$(cat "$cur")" = "$prev" ] && break
			prev=$(cat "$cur"); sleep 0.3
		done
		mkdir -p "$TUI_GOLDEN"
		cp "$cur" "$gold"
		skip "screen $name" "golden rewritten (SBX_TUI_UPDATE=1), not compared"
		return 0
	fi
	if [ ! -f "$gold" ]; then
		notok "screen $name" "no golden $gold; make it with SBX_TUI_UPDATE=1"
		return 1
	fi
	_same() { tui_screen | tui_normalise >"$cur"; cmp -s "$cur" "$gold"; }
	local rc
	_poll "$secs" _same; rc=$?
	if [ $rc -eq 0 ]; then ok "screen $name"; return 0; fi
	mkdir -p "$TUI_ART"
	cp "$cur" "$TUI_ART/$name.actual.txt"
	notok "screen $name" "differs from the golden (actual: $TUI_ART/$name.actual.txt)"
	diff -u "$gold" "$cur" | sed 's/^/# /'
	[ $rc -eq 2 ] && tui_dump
	return 1
}

# tui_api_create TEMPLATE [TIMEOUT]: sets ID and TOK.
tui_api_create() {
	if create "$(jq -nc --arg t "$1" --argjson s "${2:-600}" '{templateID:$t,timeout:$s}')"; then
		echo "$ID" >>"$TUI_IDS"
		return 0
	fi
	notok "create a $1 sandbox" "$(status): $CREATED"
	return 1
}

# tui_api_proxy OPTIONS...: api_proxy.py (see there) on a free port; API and
# E2B_API_URL point at it from now on.
tui_api_proxy() {
	local port
	port=$(free_port)
	/usr/bin/python3 "$TUI_DIR/api_proxy.py" "$port" "$API" "$@" &
	at_done "kill $!"
	API=http://127.0.0.1:$port E2B_API_URL=http://127.0.0.1:$port
	wait_until 10 curl -sf -m 2 -o /dev/null "$API/health" || { notok "api_proxy.py answers" "see above"; return 1; }
}

# tui_sandbox_state ID: running/paused as the API says.
tui_sandbox_state() { api GET "/sandboxes/$1" | jq -r .state; }

# tui_open_sandbox: a code-interpreter sandbox through the API, opened from
# the sandboxes list (R reloads it, Enter attaches); waits for its shell
# prompt and the idle kernel.  Sets ID and TOK.
tui_open_sandbox() {
	tui_api_create code-interpreter || return 1
	tui_keys R
	tui_wait_for "the new sandbox is listed" "${ID:0:8}" || return 1
	tui_keys Enter
	tui_wait_for "Enter opens its tab: the notebook" "notebook untitled" 30 || return 1
	tui_wait_for "... the terminal's prompt" "user@$ID:~\$" 30 || return 1
	tui_wait_for "... the kernel" "kernel: idle" 30 || return 1
}

# sandbox_sh CMD: CMD's stdout, run in the sandbox $ID through the API.
sandbox_sh() { run "$ID" "$TOK" "$1"; }
