#!/usr/bin/env bash
# (ai) The AI pane against the fake provider (tests/fake-llm) and a real
# code-interpreter sandbox: the provider and model in the title and the
# status bar; the strawberry conversation end to end (the model's code is
# a notebook cell that ran in the kernel, its output went back to the
# model, the answer shows and is a markdown cell); a 429 with Retry-After
# shown as a status, then answered; a slow answer stopped with C-c (what
# was shown stays, the conversation keeps it); the transcript saved with
# C-s; the provider switched with C-p (an unusable one says what to set)
# and the model with C-o, the next request going to Anthropic's API; a
# cell that raises (the error goes back, the model fixes it); a shell
# command run in the sandbox and shown as a %%bash cell with its output;
# a run stopped during its cell; a notebook opened when the tab has none;
# hostile escapes from the model; the pane closed while its cell runs.
. "$(dirname "$0")/lib.sh"
. "$TUI_DIR/ai_lib.sh"
tui_init code-interpreter
ai_fake_start || exit 1
tui_start || exit 1
tui_open_sandbox || exit 1
ai_open_pane || exit 1
tui_wait_for "the status bar shows the provider and model" " AI  " 
expect_match "... openai/fake-gpt" "$(tui_screen | tail -n 1)" "openai/fake-gpt"
tui_keys F1
tui_wait_for "F1 shows the AI pane's keys" "Keys: AI (typed text goes to the request line)"
tui_wait_for "... C-c among them" "Stop the model and the cell it runs"
tui_keys Escape
tui_wait_gone "... Escape closes the help" "Keys: AI"

# The strawberry conversation.
tui_type "How many r's are in strawberry?"
tui_keys Enter
tui_wait_for "the request is shown" "> How many r's are in strawberry?"
tui_wait_for "the model's text streams in" "Let me count with Python." 60
tui_wait_for "its code ran as notebook cell [1]" "ran cell [1]" 60
tui_wait_for "... the cell is in the notebook" "print('strawberry'.count('r'))"
tui_wait_for "the answer (the cell's output went back to the model)" "There are 3 r's in \"strawberry\"." 60
_answer_twice() { [ "$(tui_screen | grep -o "There are 3 r's" | wc -l)" -ge 2 ]; }
if _poll 10 _answer_twice; then ok "the answer is also in the notebook"; else notok "the answer is also in the notebook" "shown once"; tui_dump; fi
tool_msg=$(jq -rs '[.[] | select(.path == "/v1/chat/completions")][1].body.messages[] | select(.role == "tool") | .content' "$FAKE_LOG")
expect_eq "the tool result the model got is the cell's output" "$tool_msg" "3"

# The transcript (C-s).
tui_keys C-s
tui_wait_for "C-s asks where to save the transcript" "Save the transcript"
tui_keys C-u
tui_type "$SCRATCH/transcript.json"
tui_keys Enter
tui_wait_for "... saved" "transcript saved to"
wait_until 5 test -s "$SCRATCH/transcript.json"
expect_eq "the transcript holds the model's call" \
	"$(jq -r '[.messages[] | .calls // [] | .[] | select(.name == "execute_python")][0].arguments | fromjson | .code' "$SCRATCH/transcript.json")" \
	"print('strawberry'.count('r'))"
expect_eq "... the cell's output as its result" "$(jq -r '[.messages[] | select(.role == "tool")][0].text' "$SCRATCH/transcript.json")" "3"
expect_eq "... and the answer" "$(jq -r '.messages[-1].text' "$SCRATCH/transcript.json")" "There are 3 r's in \"strawberry\"."

# A 429 with Retry-After (C-n: a new conversation, the fake picks its
# script by the first request): a status line, then the answer.
tui_keys C-n
tui_wait_gone "C-n starts a new conversation" "> How many r's"
tui_type "retry_429: say something"
tui_keys Enter
ai_wait_text "the 429 shows as a status" "answered 429" 30
expect_match "... with the wait" "$(ai_pane_text)" "retrying in 1 s"
tui_wait_for "... then the answer" "Answered after one retry." 30
tui_wait_gone "... and the status goes" "answered 429"

# A slow answer stopped: what was shown stays, in the conversation too.
tui_keys C-n
tui_type "slow_answer please"
tui_keys Enter
tui_wait_for "the slow answer streams" "Streaming slowly" 30
tui_keys C-c
tui_wait_for "C-c stops the run" "stopped: what was shown is kept" 10
tui_wait_for "... the streamed text stays" "Streaming slowly"
tui_keys C-s C-u
tui_type "$SCRATCH/stopped.json"
tui_keys Enter
wait_until 5 test -s "$SCRATCH/stopped.json"
full=$(jq -r '.turns[0].text' "$FAKE_DIR/scripts/slow.json")
stopped=$(jq -r '.messages[-1] | select(.role == "assistant") | .text' "$SCRATCH/stopped.json")
expect_match "the conversation keeps the stopped answer" "$stopped" '^Streaming slowly'
if [ -n "$stopped" ] && [ "${#stopped}" -lt "${#full}" ] && [ "${full#"$stopped"}" != "$full" ]; then
	ok "... as far as it came (${#stopped} of ${#full} characters)"
else
	notok "... as far as it came" "${#stopped} of ${#full} characters"
fi

# Another provider and model.
tui_keys C-p
tui_wait_for "C-p lists the providers" "Model provider"
tui_wait_for "... an unusable one says what to set" "set GROQ_API_KEY"
tui_type anthropic
tui_keys Enter
tui_wait_for "the title shows the provider picked" "AI anthropic/claude"
tui_keys C-o
tui_wait_for "C-o asks for the model" "Model for anthropic"
tui_keys C-u
tui_type claude-fake
tui_keys Enter
tui_wait_for "the title shows the model typed" "AI anthropic/claude-fake"
tui_keys C-n
tui_type "Count the r's in strawberry once more"
# (a key typed clears the last message from the status bar)
_status_has() { tui_screen | tail -n 1 | grep -qF "$1"; }
if _poll 5 _status_has "anthropic/claude-fake"; then ok "... so does the status bar"
else notok "... so does the status bar" "$(tui_screen | tail -n 1)"; fi
tui_keys Enter
tui_wait_for "the new provider's model runs a cell" "ran cell [2]" 60
tui_wait_for "... and answers" "There are 3 r's" 60
expect_eq "Anthropic's API was asked (a tool turn, the answer)" "$(ai_fake_requests /v1/messages)" 2
expect_eq "... for the model typed" "$(jq -rs '[.[] | select(.path == "/v1/messages")][0].body.model' "$FAKE_LOG")" "claude-fake"

# A cell that raises: the error goes back to the model, which fixes it.
tui_keys C-n
tui_type "tool_error: compute it"
tui_keys Enter
tui_wait_for "the failing cell's line names its error" "ran cell [3]: NameError" 60
tui_wait_for "the fixed cell ran" "ran cell [4]" 60
tui_wait_for "... and the answer came" "The answer is 42." 60

# A shell command: run in the sandbox, shown as a %%bash cell with its output.
tui_keys C-n
tui_type "bash_cell: run a command"
tui_keys Enter
tui_wait_for "the command's line" '$ echo hello-from-$((6 * 7)) && ls /home/user' 60
tui_wait_for "... a %%bash cell in the notebook" "%%bash"
tui_wait_for "... holding the command's output" "        hello-from-42"
tui_wait_for "... the answer (the output and exit status went to the model)" "The command printed hello-from-42." 60

# A run stopped while its cell runs: the cell is interrupted (the kernel
# is free again: the next cell runs at once, not after the 600 s sleep).
tui_keys C-n
tui_type "sleep_cell: take your time"
tui_keys Enter
tui_wait_for "the long cell runs in the notebook" "        sleeping now" 60
tui_keys C-c
tui_wait_for "C-c stops it" "cell stopped" 10
tui_wait_for "... the run ends" "stopped: what was shown is kept" 10
tui_wait_for "... the cell says it was interrupted" "KeyboardInterrupt: stopped from the AI" 10
expect_eq "... and the model was not asked again" "$(jq -s '[.[] | select([.body.messages[]? | .content | tostring | test("sleep_cell")] | any)] | length' "$FAKE_LOG")" 1

# The notebook closed while the model's cell runs in it: the model is told
# the cell was lost and goes on; its answer, with no notebook left in the
# tab, opens one (the focus stays in the AI pane, typing goes on there).
tui_keys C-n
tui_type "sleep_cell: then close the notebook"
tui_keys Enter
tui_wait_for "a long cell runs" "        sleeping now" 60
tui_keys M-Left M-w
tui_wait_for "closing the notebook asks about its changes" "Discard unsaved changes"
tui_keys y
tui_wait_for "the AI pane says the cell was lost" "cell lost: deleted or its notebook closed" 10
tui_wait_for "... and the model, told so, went on" "Done sleeping." 30
expect_match "... what it was told" \
	"$(jq -rs '[.[] | select(.path == "/v1/messages")][-1].body.messages[-1].content[0].content | tostring' "$FAKE_LOG")" \
	"notebook closed before it finished"
_answer_cell() { [ "$(tui_screen | grep -c "Done sleeping.")" -ge 1 ] && tui_screen | grep -q "─ markdown ─"; }
if _poll 10 _answer_cell; then ok "the answer opened a new notebook (a markdown cell)"
else notok "the answer opened a new notebook (a markdown cell)" "no markdown cell on the screen"; tui_dump; fi
expect_match "the AI pane kept the focus" "$(tui_screen | tail -n 1)" "^ AI "
tui_keys C-n
tui_type "strawberry: in the new notebook"
tui_keys Enter
tui_wait_for "the model's cell runs there at once (the lost cell left the kernel)" "ran cell [" 60
tui_wait_for "... the answer" "There are 3 r's" 60

# Escape sequences from the model (split across stream pieces) never reach
# the terminal: the text shows without them, tmux's pane title is untouched.
title=$(tm display -p -t wb '#{pane_title}')
tui_keys C-n
tui_type "hostile_text: say it"
tui_keys Enter
tui_wait_for "the model's text shows defanged" "Hostile text red and a bell? done." 30
expect_eq "... no OSC reached the terminal (its title)" "$(tm display -p -t wb '#{pane_title}')" "$title"

# Closing the AI pane while its cell runs stops the run and the cell.
tui_keys C-n
tui_type "sleep_cell: again"
tui_keys Enter
tui_wait_for "another long cell runs" "        sleeping now" 60
tui_keys M-w
tui_wait_gone "M-w closes the AI pane" "AI anthropic/claude-fake"
tui_wait_for "... its cell is interrupted" "KeyboardInterrupt: stopped from the AI" 10
tui_alive "after the AI pane's conversations"
done_testing
