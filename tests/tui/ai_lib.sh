# Sourced by tests/tui/t_ai*.sh after lib.sh: the fake model provider
# (tests/fake-llm) for the AI pane, and the pane opened in a sandbox's tab.
#
#   ai_fake_start          fake_llm.py with every shared script (and ours,
#                          tests/tui/ai_scripts) on a free
#                          port; exports what the workbench's provider
#                          resolution reads (OpenAI and Anthropic pointing
#                          at it, OpenAI chosen); FAKE_LOG is its request log
#   ai_fake_requests PATH  how many requests went to PATH (from the log)
#   ai_open_pane           after tui_open_sandbox: the notebook alone on the
#                          left (files and terminal closed), M-a opens the
#                          AI pane beside it
FAKE_DIR=$ROOT/tests/fake-llm
FAKE_LOG=$SCRATCH/fake-llm.jsonl

ai_fake_start() {
	local portfile=$SCRATCH/fake-llm.port
	rm -f "$portfile"
	/usr/bin/python3 "$FAKE_DIR/fake_llm.py" --script "$FAKE_DIR/scripts" --script "$TUI_DIR/ai_scripts" --port 0 --port-file "$portfile" \
		--log "$FAKE_LOG" 2>>"$SCRATCH/fake-llm.log" &
	at_done "kill $!"
	wait_until 20 test -s "$portfile" || { notok "the fake provider starts" "$(cat "$SCRATCH/fake-llm.log")"; return 1; }
	FAKE_URL=http://127.0.0.1:$(cat "$portfile")
	export OPENAI_BASE_URL=$FAKE_URL/v1 OPENAI_API_KEY=test-key
	export ANTHROPIC_BASE_URL=$FAKE_URL ANTHROPIC_API_KEY=test-key
	export SBX_AI_PROVIDER=openai SBX_AI_MODEL=fake-gpt
	unset GROQ_API_KEY MISTRAL_API_KEY TOGETHER_API_KEY SBX_AI_MAX_STEPS
}

ai_fake_requests() {
	[ -s "$FAKE_LOG" ] || { echo 0; return; }
	jq -s --arg p "$1" '[.[] | select(.path == $p)] | length' "$FAKE_LOG"
}

ai_open_pane() {
	# the terminal (bottom right) takes every key but C-g: leave it, close it;
	# then the files pane; the notebook is left alone
	tui_keys M-Right
	tui_wait_for "the files pane is focused" "FILES" || return 1
	tui_keys M-w
	tui_wait_gone "M-w closes the files pane" "files /home/user" || return 1
	tui_keys C-g M-w
	tui_wait_gone "C-g M-w closes the terminal" "user@$ID:~\$" || return 1
	tui_keys M-a
	tui_wait_for "M-a opens the AI pane" "AI openai/fake-gpt" || return 1
}

# The AI pane's text (right of the notebook, from column 52) as one line,
# its rows joined by blanks: a phrase the pane wrapped still matches.
ai_pane_text() {
	tui_screen | /usr/bin/python3 -c '
import sys
rows = [l[51:].strip() for l in sys.stdin.read().splitlines()[2:-3]]
print(" ".join(r for r in rows if r))'
}
_ai_has() { ai_pane_text | grep -qF -- "$1"; }
# ai_wait_text NAME TEXT [SECS]: ok once the AI pane shows TEXT (maybe wrapped).
ai_wait_text() {
	local rc
	_poll "${3:-10}" _ai_has "$2"; rc=$?
	case $rc in
	0) ok "$1" ;;
	2) notok "$1" "the workbench exited while waiting for '$2'"; tui_dump ;;
	*) notok "$1" "'$2' not in the AI pane within ${3:-10} s"; tui_dump ;;
	esac
	return $rc
}
