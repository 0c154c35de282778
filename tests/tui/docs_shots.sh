#!/usr/bin/env bash
# Makes the screenshots of docs/workbench.md (docs/images/workbench-*.png)
# with the same Xvfb + xterm set-up as t_sixel.sh:
#   AGENT=build/sbx-agent TOOLS=build/tools bash tests/tui/docs_shots.sh
# Not a test (run-tui.sh runs only t_*.sh); needs root like the tests.
. "$(dirname "$0")/lib.sh"
tui_init code-interpreter
. "$TUI_DIR/xterm_lib.sh"
IMG=$ROOT/docs/images
mkdir -p "$IMG"
# save NAME W H X Y: a cropped, 64-colour PNG of the screen.
save() {
	shot "$SCRATCH/full.png"
	convert "$SCRATCH/full.png" -crop "${2}x${3}+${4}+${5}" +repage -colors 64 "$IMG/workbench-$1.png"
	echo "# $IMG/workbench-$1.png"
}
FULL="604 394 0 0"
tui_api_create code-interpreter || exit 1
x_start || exit 1
drawn "started" "F1 help" 20 || exit 1
key R
drawn "listed" "${ID:0:8}" || exit 1
sleep 3   # the metrics columns fill in on the next refresh
save sandboxes $FULL
key n
drawn "create form" "Create a sandbox" || exit 1
sleep 0.5
save create $FULL
key '\033'; sleep 0.2
key '\r'
drawn "attached" "kernel: idle" 40 || exit 1
key '\r'
key 'import matplotlib.pyplot as plt; plt.plot([1,3,2]); plt.title("sbx"); plt.show()'
key '\033[15~'
for _ in $(seq 1 300); do grep -aqP '\eP[0-9;]*q' "$OUT" && break; sleep 0.1; done
sleep 1
save tab $FULL
save notebook 302 380 0 0
key '\033'; sleep 0.2
key '\033[1;3C'; sleep 0.3     # M-Right: files
key '\033[1;3B'; sleep 0.3     # M-Down: terminal
key 'ls / && python3 --version\r'
sleep 1.5
save terminal 300 184 304 196
key '\007'; sleep 0.2          # C-g: keys back to the workbench
key '\033[1;3A'; sleep 0.3     # M-Up: files
key 'h'; sleep 0.5; key 'h'; sleep 1
save files 300 196 304 0
key g; sleep 0.3; key '\025/etc/os-release\r'   # goto (C-u clears the prompt)
sleep 1; key '\r'                               # Enter views the file
drawn "viewer" "PRETTY_NAME" || exit 1
sleep 0.5
save viewer $FULL
key q; sleep 0.3
key '\033OP'                   # F1
drawn "help" "Keys:" || exit 1
sleep 0.5
save help $FULL
key '\033'; sleep 0.2
key '\021'; sleep 0.3; key y
for _ in $(seq 1 50); do kill -0 "$XTERM_PID" 2>/dev/null || break; sleep 0.1; done
