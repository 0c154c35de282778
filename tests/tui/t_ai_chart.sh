#!/usr/bin/env bash
# (ai) E2B's CSV analysis in the AI pane, against the fake provider and a
# real code-interpreter sandbox: a CSV uploaded to the sandbox, the model's
# pandas + matplotlib code runs as a notebook cell whose chart is drawn
# inline (half blocks: tmux has no sixel), the answer follows; the
# notebook saved afterwards holds the code cell with its image/png output
# and the answer as a markdown cell.
. "$(dirname "$0")/lib.sh"
. "$TUI_DIR/ai_lib.sh"
tui_init code-interpreter
ai_fake_start || exit 1
tui_start || exit 1
tui_open_sandbox || exit 1
px "$ID" "$TOK" POST "/files?path=/home/user/dataset.csv&username=user" -F "file=@$FAKE_DIR/data/dataset.csv" >/dev/null
expect_eq "dataset.csv uploaded to the sandbox" "$(status)" 200
ai_open_pane || exit 1

tui_type "Analyze /home/user/dataset.csv: plot the average vote per release year"
tui_keys Enter
tui_wait_for "the model's plan streams in" "I'll load the CSV with pandas" 60
tui_wait_for "its code ran as notebook cell [1]" "ran cell [1]" 120
_halfblocks() { tui_screen | grep -q '[▀▄]'; }
if _poll 30 _halfblocks; then ok "the chart is drawn inline in the notebook (half blocks)"
else notok "the chart is drawn inline in the notebook (half blocks)" "none on the screen"; tui_dump; fi
tui_wait_for "the answer (the cell's printed summary went back to the model)" "The dataset holds 12 movies" 60

# Save the notebook: M-Left focuses it, C-s asks for a path (untitled).
tui_keys M-Left
tui_wait_for "the notebook is focused" "NOTEBOOK"
tui_keys C-s
tui_wait_for "C-s asks where to save the notebook" "Save notebook as"
tui_keys C-u
tui_type "$SCRATCH/analysis.ipynb"
tui_keys Enter
tui_wait_for "... saved" "saved $SCRATCH/analysis.ipynb"
nb=$SCRATCH/analysis.ipynb
expect_eq "the saved notebook has the model's code cell" \
	"$(/usr/bin/python3 -c '
import json, sys
nb = json.load(open(sys.argv[1]))
code = [c for c in nb["cells"] if c["cell_type"] == "code" and "plt.plot" in "".join(c["source"])]
print(len(code))' "$nb")" 1
expect_eq "... with its image/png output" \
	"$(jq '[.cells[] | select(.cell_type == "code") | .outputs[]? | .data["image/png"] // empty | select(length > 1000)] | length' "$nb")" 1
expect_eq "... and the printed summary" \
	"$(jq -r '[.cells[] | select(.cell_type == "code") | .outputs[]? | select(.output_type == "stream" and .name == "stdout") | .text | if type == "array" then join("") else . end] | join("")' "$nb")" \
	"movies: 12, years 2015-2020, best year 2020"
expect_eq "... its execution count" "$(jq '[.cells[] | select(.cell_type == "code")][0].execution_count' "$nb")" 1
expect_eq "the answer is a markdown cell" \
	"$(jq -r '[.cells[] | select(.cell_type == "markdown") | .source | if type == "array" then join("") else . end][0]' "$nb")" \
	"$(jq -r '.turns[1].text' "$FAKE_DIR/scripts/csv_chart.json")"
tui_alive "after the chart"
done_testing
