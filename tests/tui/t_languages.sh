#!/usr/bin/env bash
# (l) Languages in the notebook, against a real code-interpreter sandbox:
# C-k lists what the template has (GET /languages: javascript, typescript,
# r, bash beside python, each with its kernel's name); a new JavaScript
# context runs a cell (console.log and a value) whose box says
# "javascript"; switching the notebook to a new R context keeps that cell
# JavaScript and runs plot(1:10) in R, its PNG drawn inline (half blocks:
# tmux has no sixel) under the cell; L gives one cell bash of its own.
# The saved .ipynb holds the cells, the notebook's kernelspec (ir) and
# the cells' own languages, and opened again it shows them as before.
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter
tui_start || exit 1
tui_open_sandbox || exit 1

# the cell whose top edge carries TAG: its box and the rows under it,
# up to the next cell's top edge
cell_rows() {
	tui_screen | awk -v tag="$1" '
		index($0, "─ " tag " ─┐") { on = 1; print; next }
		on && /┌/ { exit }
		on { print }'
}
_shown() { tui_screen | grep -qF -- "─ $1 ─┐"; }
wait_tag() {
	if _poll 30 _shown "$2"; then ok "$1"; else notok "$1" "no cell marked '$2' on the screen"; tui_dump; fi
}

tui_keys C-k
tui_wait_for "C-k opens the language picker" "Run this notebook in"
for l in "javascript context: Deno (JavaScript/TypeScript)" "typescript context: Deno" "r context: R" \
	"bash context: Bash"; do
	tui_wait_for "... it lists what the template has: new $l" "new $l" 30
done
tui_type "new javascript context"
tui_keys Enter
tui_wait_for "choosing it runs the notebook in a new JavaScript context" "runs in a new javascript context" 60
tui_wait_for "... the notebook's title says so" "notebook untitled* [javascript]"

tui_keys Enter
tui_type 'console.log("hello from deno"); 6 * 7'
tui_keys Escape C-e
tui_wait_for "the JavaScript cell runs: its console.log" "        hello from deno" 60
_value() { tui_screen | grep -qE '\[1\]: +42( |$)'; }
if _poll 30 _value; then ok "... and its value, as Out [1]"; else notok "... and its value, as Out [1]" "no '[1]: 42'"; tui_dump; fi
wait_tag "... its box says javascript" javascript
tui_golden languages-javascript

tui_keys C-k
tui_wait_for "C-k again" "Run this notebook in"
tui_type "new r context: R"   # (an upper-case letter: case-sensitive)
tui_keys Enter
tui_wait_for "the notebook switches to a new R context" "runs in a new r context" 60
tui_wait_for "... the notebook's title says so" "notebook untitled* [r]"
expect_match "the JavaScript cell that ran stays JavaScript" "$(cell_rows javascript)" "^ {8}hello from deno"
tui_keys b Enter
tui_type 'plot(1:10)'
tui_keys Escape C-e
wait_tag "the new cell is an R cell" r
_plotted() { cell_rows r | sed 1d | grep -q '[▀▄]'; }
if _poll 90 _plotted; then ok "plot(1:10) is drawn inline under the R cell (half blocks)"
else notok "plot(1:10) is drawn inline under the R cell (half blocks)" "no half blocks under it"; tui_dump; fi

# L: a cell of its own language
tui_keys b L
tui_wait_for "L asks for the cell's language" "Run this cell in"
tui_type "bash: Bash"
tui_keys Enter
wait_tag "the cell is bash" bash
tui_keys Enter
tui_type 'echo "hello from $((6 * 7)) in bash"'
tui_keys Escape C-e
tui_wait_for "... and runs in bash" "hello from 42 in bash" 60
expect_match "... its output is under it" "$(cell_rows bash)" "^ {8}hello from 42 in bash"

tui_keys C-s
tui_wait_for "C-s asks where to save the notebook" "Save notebook as"
tui_keys C-u
tui_type "$SCRATCH/langs.ipynb"
tui_keys Enter
tui_wait_for "... saved" "saved $SCRATCH/langs.ipynb"
nb=$SCRATCH/langs.ipynb
expect_eq "the saved notebook's kernelspec is R's" "$(jq -r '.metadata.kernelspec | "\(.name) \(.language)"' "$nb")" "ir r"
expect_eq "... its cells with their sources and own languages" \
	"$(jq -r '.cells[] | select(.cell_type == "code") | "\(.metadata.sbx.language // "-") \(.source | if type == "array" then join("") else . end)"' "$nb")" \
	'javascript console.log("hello from deno"); 6 * 7
- plot(1:10)
bash echo "hello from $((6 * 7)) in bash"'
expect_eq "... the R cell's picture" \
	"$(jq '[.cells[1].outputs[] | .data["image/png"] // empty | select(length > 1000)] | length' "$nb")" 1
expect_eq "... the JavaScript cell's value" \
	"$(jq -r '.cells[0].outputs[] | select(.output_type == "execute_result") | .data["text/plain"] | if type == "array" then join("") else . end' "$nb")" 42
tui_alive "after the languages"

# opened again (a new workbench): the languages come back from the file
cp "$nb" "$SCRATCH/back.ipynb"
tui_start --attach "$ID" --notebook "$SCRATCH/back.ipynb" || exit 1
tui_wait_for "the notebook opened again is R's" "notebook back.ipynb [r]" 30
wait_tag "... its first cell is JavaScript" javascript
wait_tag "... its second R" r
wait_tag "... its third bash" bash
tui_alive "after opening it again"
done_testing
