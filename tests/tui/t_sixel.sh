#!/usr/bin/env bash
# Sixel in a real terminal: Xvfb + `xterm -ti vt340` (font 6x13, 100x30)
# runs the workbench on a code-interpreter sandbox; a notebook cell draws
# a matplotlib chart; the workbench must send sixel, and a screenshot
# (ImageMagick import) must show the chart's blue line (#1f77b4 and its
# anti-aliased edges) inside the notebook's cell area, where the screenshot
# before the run had none, and not over the other panes.  Keys go in
# through tests/tui/ptyfeed.py (xterm_lib.sh); its copy of the output
# tells when the workbench drew what.  Skipped only when Xvfb, xterm or
# ImageMagick is missing.
. "$(dirname "$0")/lib.sh"
for tool in Xvfb xterm import convert; do
	if ! command -v "$tool" >/dev/null; then
		skip_all "sixel in xterm: $tool is not installed (tests/deps.sh installs xvfb, xterm, imagemagick)"
	fi
done
tui_init code-interpreter
. "$TUI_DIR/xterm_lib.sh"
mkdir -p "$TUI_ART"
tui_api_create code-interpreter || exit 1
x_start || exit 1

# Chart-blue pixels in a screenshot's rectangle W H X Y: #1f77b4 and the
# anti-aliased edges of its 1.5-px line (blue above red by 25 %, above
# green by 10 %); the workbench's own colours (cyan borders, blue status
# bar) are outside the rectangles used.
blue() {
	convert "$1" -crop "${2}x${3}+${4}+${5}" +repage -fx '(b-r>0.25 && b-g>0.1)?1:0' \
		-format '%[fx:round(mean*w*h)]' info:
}

drawn "the workbench starts in xterm" "F1 help" 20 || exit 1
key R
drawn "the sandbox is listed" "${ID:0:8}" || exit 1
key '\r'
drawn "Enter attaches it" "kernel: idle" 40 || exit 1
key '\r'
key 'import matplotlib.pyplot as plt; plt.plot([1,3,2]); plt.title("sbx"); plt.show()'
drawn "the cell is typed" 'plt.title("sbx")' || exit 1
sleep 0.5   # the screenshot must show the typed cell; nothing to poll in X
shot "$TUI_ART/before.png"

# The notebook pane: columns 0-49, rows 5-28 under the cell; xterm's
# inner border is 2 px; cells are 6x13 px.
CW=6 CH=13 B=2
NB_X=$B NB_Y=$((B + 5 * CH)) NB_W=$((50 * CW)) NB_H=$((24 * CH))
RIGHT_X=$((B + 51 * CW)) RIGHT_W=$((49 * CW)) TOP_Y=$((B + CH)) TOP_H=$((28 * CH))
before=$(blue "$TUI_ART/before.png" $NB_W $NB_H $NB_X $NB_Y)

key '\033[15~'   # F5 runs the cell
n=0
for _ in $(seq 1 300); do
	grep -aqP '\eP[0-9;]*q' "$OUT" && break
	sleep 0.1
done
if grep -aqP '\eP[0-9;]*q' "$OUT"; then ok "the workbench sent a sixel image"; else
	notok "the workbench sent a sixel image" "no DCS ... q in its output"; tail -n 20 "$TUI_LOG" | sed 's/^/#   /'; fi
# shoot_blue FILE MIN TRIES: screenshots until the cell area has more than
# MIN chart-blue pixels (xterm paints a while after the bytes arrive);
# prints the last count.
shoot_blue() {
	local c=0
	for _ in $(seq 1 "$3"); do
		shot "$1"
		c=$(blue "$1" $NB_W $NB_H $NB_X $NB_Y)
		[ "$c" -gt "$2" ] && break
		sleep 0.2
	done
	echo "$c"
}
n=$(shoot_blue "$TUI_ART/after.png" 150 50)
echo "# screenshots: $TUI_ART/before.png $TUI_ART/after.png"
echo "# chart-blue pixels in the notebook's cell area: before $before, after $n"
if [ "$before" -lt 20 ] && [ "$n" -gt 150 ]; then
	ok "the chart's pixels are in the notebook's cell area ($n blue pixels)"
else
	notok "the chart's pixels are in the notebook's cell area" "before $before, after $n blue pixels (want < 20, > 150)"
fi
outside=$(blue "$TUI_ART/after.png" $RIGHT_W $TOP_H $RIGHT_X $TOP_Y)
if [ "$outside" -lt $((n / 5)) ]; then ok "no chart over the files and terminal panes ($outside blue-ish pixels there)"; else
	notok "no chart pixels over the files and terminal panes" "$outside blue pixels there"; fi
crop() { convert "$1" -crop "${NB_W}x${NB_H}+${NB_X}+${NB_Y}" +repage "$2"; }
crop "$TUI_ART/before.png" "$SCRATCH/b.png"; crop "$TUI_ART/after.png" "$SCRATCH/a.png"
changed=$(compare -metric AE "$SCRATCH/b.png" "$SCRATCH/a.png" null: 2>&1 | cut -d' ' -f1)
if [ "${changed%.*}" -gt 5000 ]; then ok "the image fills part of the cell area ($changed pixels changed)"; else
	notok "the image fills part of the cell area" "only $changed pixels changed"; fi
if kill -0 "$XTERM_PID" 2>/dev/null; then ok "the workbench is alive after the chart"; else
	notok "the workbench is alive after the chart" "xterm is gone"; tail -n 20 "$TUI_LOG" | sed 's/^/#   /'; exit 1; fi

# A tall cell above pushes the chart past the pane's bottom: the part that
# still shows is sent as a band of pixel rows, never past the pane.
sixels() { grep -aoP '\eP[0-9;]*q' "$OUT" | wc -l; }
sent=$(sixels)
key '\033'; sleep 0.2; key a; sleep 0.2; key '\r'
for i in $(seq 1 14); do key "# filler line $i\r"; done
key '# last filler'
drawn "a tall cell is typed above the chart" '# last filler' || exit 1
key '\033'
for _ in $(seq 1 50); do [ "$(sixels)" -gt "$sent" ] && break; sleep 0.1; done
if [ "$(sixels)" -gt "$sent" ]; then ok "the cut chart is sent again"; else
	notok "the cut chart is sent again" "no new sixel after the chart moved"; fi
cut=$(shoot_blue "$TUI_ART/cut.png" 30 30)
# the status row under the notebook, right of the blue mode label
STATUS_Y=$((B + 29 * CH))
below=$(blue "$TUI_ART/cut.png" $((38 * CW)) $CH $((B + 12 * CW)) $STATUS_Y)
echo "# screenshot of the cut chart: $TUI_ART/cut.png (blue in the cell area $cut, on the status row $below)"
if [ "$cut" -gt 30 ] && [ "$cut" -lt "$n" ]; then ok "part of the chart still shows ($cut of $n blue pixels)"; else
	notok "part of the chart still shows" "$cut blue pixels (want 30..$n)"; fi
if [ "$below" -lt 5 ]; then ok "nothing drawn over the status bar"; else
	notok "nothing drawn over the status bar" "$below blue pixels on its row"; fi

key '\021'   # C-q
drawn "C-q asks before quitting" "Quit the workbench?" || exit 1
key y
for _ in $(seq 1 100); do kill -0 "$XTERM_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$XTERM_PID" 2>/dev/null; then notok "y ends the workbench (and xterm)" "still running"; else
	ok "y ends the workbench (and xterm)"; wait "$XTERM_PID"; XTERM_PID=; fi
done_testing
