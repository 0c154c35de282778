# Sourced after lib.sh by t_sixel.sh and docs_shots.sh: the workbench in a
# real terminal — Xvfb on a free display, `xterm -ti vt340` (font 6x13,
# 100x30 cells at +0+0, 2-px inner border, 256 colour registers) running
# it through ptyfeed.py, which takes keys from a FIFO and keeps a copy of
# what the workbench wrote.
#   x_start [WORKBENCH ARGS...]   sets DISPLAY, XVFB_PID, XTERM_PID, KEYS, OUT
#   key BYTES                     printf %b BYTES into the workbench
#   drawn NAME TEXT [SECS]        ok/notok: the workbench wrote TEXT
#   shot FILE                     a screenshot of the whole screen
XVFB_PID= XTERM_PID=
x_cleanup() {
	[ -n "$XTERM_PID" ] && kill "$XTERM_PID" 2>/dev/null
	[ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null
	# (not a bare wait: sbxd is a job of this shell too)
	[ -n "$XTERM_PID" ] && wait "$XTERM_PID" 2>/dev/null
	[ -n "$XVFB_PID" ] && wait "$XVFB_PID" 2>/dev/null
	return 0
}
trap 'x_cleanup; tui_cleanup; sbxd_cleanup; cleanup' EXIT

x_start() {
	local n
	for n in $(seq 90 190); do
		[ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || break
	done
	export DISPLAY=:$n
	Xvfb "$DISPLAY" -screen 0 640x420x24 -nolisten tcp >"$SCRATCH/xvfb.log" 2>&1 &
	XVFB_PID=$!
	for _ in $(seq 1 100); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.05; done
	[ -e "/tmp/.X11-unix/X$n" ] || { notok "Xvfb starts on $DISPLAY" "$(cat "$SCRATCH/xvfb.log")"; return 1; }
	KEYS=$SCRATCH/keys OUT=$SCRATCH/out.log
	mkfifo "$KEYS"; : >"$OUT"
	xterm -ti vt340 -xrm 'XTerm*decTerminalID: vt340' -xrm 'XTerm*numColorRegisters: 256' \
		-u8 -fn '-misc-fixed-medium-r-semicondensed--13-120-75-75-c-60-iso10646-1' -geometry 100x30+0+0 -bw 0 +sb -tn xterm-256color \
		-e /usr/bin/python3 "$TUI_DIR/ptyfeed.py" "$KEYS" "$OUT" "$SBX" workbench "$@" 2>>"$TUI_LOG" &
	XTERM_PID=$!
}

key() { printf '%b' "$1" >"$KEYS"; }
_drawn() { grep -aqF -- "$1" "$OUT"; }
drawn() {
	local i
	for i in $(seq 1 $(( ${3:-15} * 10 ))); do
		_drawn "$2" && { ok "$1"; return 0; }
		kill -0 "$XTERM_PID" 2>/dev/null || break
		sleep 0.1
	done
	notok "$1" "'$2' not drawn"; tail -n 20 "$TUI_LOG" | sed 's/^/#   /'
	return 1
}
shot() { import -window root "$1"; }
