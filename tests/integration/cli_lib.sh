# Sourced (after lib.sh) by the tests of sbx commands against a private sbxd
# that `sbx serve` starts and the commands find as users' do: state and
# config under $SCRATCH (XDG_*), no E2B_* variables.
#   cli_need TEMPLATE WHO   skip unless root and TEMPLATE is built; the
#                           built templates' names in $CLI_TEMPLATES
#   cli_serve               sbxd on a free $PORT, answering (one check)
#   cli_stop                every sandbox killed, sbxd stopped
SBX=$(dirname "$AGENT")/sbx
export XDG_STATE_HOME=$SCRATCH/state XDG_CONFIG_HOME=$SCRATCH/config
unset E2B_API_URL E2B_API_KEY E2B_SANDBOX_URL E2B_DOMAIN
SBXD_PID=

cli_need() {
	if [ "$(id -u)" -ne 0 ]; then skip_all "$2 need root"; fi
	CLI_TEMPLATES=$("$SBX" template ls --json 2>/dev/null | jq -r '.[].name, .[].aliases[]' 2>/dev/null)
	if ! printf '%s\n' "$CLI_TEMPLATES" | grep -qx "$1"; then
		skip_all "no built $1 template (sbx template build $1)"
	fi
}

cli_serve() {
	PORT=$(free_port)
	"$SBX" serve --listen "127.0.0.1:$PORT" >"$SCRATCH/sbxd.log" 2>&1 &
	SBXD_PID=$!
	wait_until 10 curl -s -m 2 -o /dev/null "http://127.0.0.1:$PORT/health"
	expect_eq "sbxd answers" "$(curl -s -m 5 "http://127.0.0.1:$PORT/health" | jq -r .status)" ok
}

cli_stop() {
	[ -n "$SBXD_PID" ] || return 0
	timeout -k 5 60 "$SBX" kill --all >/dev/null 2>&1
	stop_pid "$SBXD_PID" TERM 30
	SBXD_PID=
}
