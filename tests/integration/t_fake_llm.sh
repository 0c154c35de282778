#!/usr/bin/env bash
# tests/fake-llm/fake_llm.py, the scripted LLM provider every AI test uses,
# driven with curl: OpenAI, Anthropic and Ollama shapes, streamed and not;
# auth failures, validation 400s, scripted 429s with Retry-After, expect
# mismatches, repeat_last, a stream dropped mid-way, the request log.
# FAKE_LLM may name another copy of the fake (to see these checks fail).
. "$(dirname "$0")/lib.sh"
FAKE=${FAKE_LLM:-$(cd "$(dirname "$0")/../fake-llm" && pwd)/fake_llm.py}
SCRIPTS=$(cd "$(dirname "$0")/../fake-llm/scripts" && pwd)

# Scripts only this test uses.
mkdir -p "$SCRATCH/own"
cat >"$SCRATCH/own/abort.json" <<'EOF'
{"name": "abort", "match": "abort_me", "turns": [{"text": "0123456789abcdefghij", "chunk": 2, "abort_after_chunks": 3}]}
EOF
cat >"$SCRATCH/own/midfail.json" <<'EOF'
{"name": "midfail", "match": "fail_midway", "turns": [{"text": "0123456789", "chunk": 2, "error_after_chunks": 2}]}
EOF
cat >"$SCRATCH/own/maxtok.json" <<'EOF'
{"name": "maxtok", "match": "max_tokens_please", "stop_reason": "max_tokens", "turns": [{"text": "cut sh"}]}
EOF
cat >"$SCRATCH/own/twocalls.json" <<'EOF'
{"name": "twocalls", "match": "two_calls", "turns": [
  {"tool_calls": [{"name": "run_command", "arguments": {"command": "echo a"}},
                  {"name": "execute_python", "arguments": {"code": "print(2)"}}]},
  {"expect": ["out-a", "out-2"], "text": "done"}]}
EOF

# start_fake NAME SCRIPT...: a fake on a free port; sets <NAME>_URL, <NAME>_PID
start_fake() {
	local name=$1 args=() s; shift
	for s in "$@"; do args+=(--script "$s"); done
	/usr/bin/python3 "$FAKE" "${args[@]}" --port-file "$SCRATCH/$name.port" --log "$SCRATCH/$name.jsonl" \
		2>"$SCRATCH/$name.err" &
	printf -v "${name}_PID" %s $!
	wait_until 10 test -s "$SCRATCH/$name.port" || return 1
	printf -v "${name}_URL" %s "http://127.0.0.1:$(cat "$SCRATCH/$name.port")"
}
start_fake F "$SCRIPTS" "$SCRATCH/own" || { notok "the fake starts and writes its port file" "$(cat "$SCRATCH/F.err")"; exit 1; }
ok "the fake starts and writes its port file"
stop_fakes() { stop_pid "${F_PID:-}"; F_PID=; stop_pid "${G_PID:-}"; G_PID=; }
at_done stop_fakes
trap 'stop_fakes; cleanup' EXIT

# req METHOD PATH [CURL_ARGS...]: status on stdout; body in .body, headers in .hdr
req() {
	local m=$1 p=$2; shift 2
	curl -s -m 30 -X "$m" -o "$SCRATCH/.body" -D "$SCRATCH/.hdr" -w '%{http_code}' "$@" "$F_URL$p"
}
body() { cat "$SCRATCH/.body"; }
hdr() { grep -i "^$1:" "$SCRATCH/.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
# oa JSON [PATH [CURL_ARGS...]]: an OpenAI-style POST (default /v1/chat/completions)
oa() { req POST "${2:-/v1/chat/completions}" -H "Authorization: Bearer ${KEY:-test-key}" -H 'Content-Type: application/json' \
	--data-binary "$1" "${@:3}"; }
an() { req POST /v1/messages -H "x-api-key: ${KEY:-test-key}" -H 'anthropic-version: 2023-06-01' \
	-H 'Content-Type: application/json' --data-binary "$1"; }
# The data: payloads of an SSE body, one JSON per line ([DONE] left out).
sse_data() { sed -n 's/^data: //p' "$SCRATCH/.body" | tr -d '\r' | grep -v '^\[DONE\]$'; }
USER_SB='{"role":"user","content":"How many r are in strawberry?"}'

# --- OpenAI -----------------------------------------------------------------------
st=$(oa "{\"model\":\"gpt-x\",\"messages\":[$USER_SB]}")
expect_eq "openai: 200" "$st" 200
b=$(body)
expect_eq "openai: a chat.completion for the request's model" "$(jq -r '[.object,.model,(.id|startswith("chatcmpl-")),(.created|type)]|join(" ")' <<<"$b")" "chat.completion gpt-x true number"
expect_eq "openai: turn 0 is the script's text and a tool call" \
	"$(jq -r '.choices[0]|[.index,.message.role,.message.content,.finish_reason,.message.tool_calls[0].type,.message.tool_calls[0].function.name]|join("|")' <<<"$b")" \
	"0|assistant|Let me count with Python.|tool_calls|function|execute_python"
expect_eq "openai: arguments are a JSON string of the script's object" \
	"$(jq -r '.choices[0].message.tool_calls[0].function.arguments|fromjson|.code' <<<"$b")" "print('strawberry'.count('r'))"
expect_match "openai: a call_ id" "$(jq -r '.choices[0].message.tool_calls[0].id' <<<"$b")" '^call_[A-Za-z0-9]{24}$'
expect_eq "openai: usage" "$(jq -c '.usage|keys' <<<"$b")" '["completion_tokens","prompt_tokens","total_tokens"]'
expect_match "openai: x-request-id header" "$(hdr x-request-id)" '^req_'
CALL=$(jq -r '.choices[0].message.tool_calls[0].id' <<<"$b")
ASST=$(jq -c '.choices[0].message' <<<"$b")

st=$(oa "{\"model\":\"gpt-x\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[$USER_SB]}")
expect_eq "openai stream: 200" "$st" 200
expect_match "openai stream: text/event-stream" "$(hdr Content-Type)" '^text/event-stream'
expect_eq "openai stream: chunked" "$(hdr Transfer-Encoding)" chunked
expect_eq "openai stream: ends with data: [DONE]" "$(grep -v '^\s*$' "$SCRATCH/.body" | tail -1 | tr -d '\r')" "data: [DONE]"
d=$(sse_data)
expect_eq "openai stream: every event a chat.completion.chunk with one id" \
	"$(jq -rs '[.[].object]|unique|join(",")' <<<"$d") $(jq -rs '[.[].id]|unique|length' <<<"$d")" "chat.completion.chunk 1"
expect_eq "openai stream: the first delta has the role" "$(jq -rs '.[0].choices[0].delta.role' <<<"$d")" assistant
expect_eq "openai stream: text deltas add up to the text" \
	"$(jq -rs '[.[].choices[]?.delta.content // empty]|join("")' <<<"$d")" "Let me count with Python."
expect_eq "openai stream: text comes in 8-character pieces" \
	"$(jq -rs '[.[].choices[]?.delta.content // empty|select(.!="")|length]|join(",")' <<<"$d")" "8,8,8,1"
expect_eq "openai stream: the call's first delta has index, id, type, name and empty arguments" \
	"$(jq -rs '[.[].choices[]?.delta.tool_calls[]?|select(.id)]|.[0]|[.index,.type,.function.name,.function.arguments,(.id|startswith("call_"))]|map(tostring)|join("|")' <<<"$d")" \
	"0|function|execute_python||true"
expect_eq "openai stream: arguments come in several deltas that add up to the JSON" \
	"$(jq -rs '[.[].choices[]?.delta.tool_calls[]?|select(.id==null)|.function.arguments]|[length>1, (join("")|fromjson|.code)]|map(tostring)|join(" ")' <<<"$d")" \
	"true print('strawberry'.count('r'))"
expect_eq "openai stream: finish_reason tool_calls once, on the last choice" \
	"$(jq -rs '[.[].choices[]?.finish_reason // empty]|join(",")' <<<"$d")" tool_calls
expect_eq "openai stream: include_usage: usage null, then a last chunk with no choices and the usage" \
	"$(jq -rs '[(.[:-1]|map(.usage==null)|all), (.[-1].choices|length), (.[-1].usage.total_tokens|type)]|map(tostring)|join(" ")' <<<"$d")" "true 0 number"
st=$(oa "{\"model\":\"gpt-x\",\"stream\":true,\"messages\":[$USER_SB]}")
expect_eq "openai stream: no usage field without stream_options" "$(sse_data | jq -rs 'map(has("usage"))|any')" false
st=$(oa "{\"model\":\"mistral-x\",\"stream\":true,\"messages\":[$USER_SB]}" /v1/chat/completions -A mistral-client-python/1.12.4)
expect_eq "mistral's client: each call whole in one delta (name and all the arguments)" \
	"$(sse_data | jq -rs '[.[].choices[]?.delta.tool_calls[]?]|[length, .[0].function.name, (.[0].function.arguments|fromjson|.code), (.[0].id|startswith("call_"))]|map(tostring)|join("|")')" \
	"1|execute_python|print('strawberry'.count('r'))|true"

tool_msg() { printf '{"role":"tool","tool_call_id":"%s","content":"%s"}' "$1" "$2"; }
st=$(oa "{\"model\":\"gpt-x\",\"messages\":[$USER_SB,$ASST,$(tool_msg "$CALL" '3\n')]}")
expect_eq "openai: turn 1 with the expected tool result: the answer" \
	"$st $(jq -r '.choices[0]|[.message.content,.finish_reason,(.message|has("tool_calls"))]|map(tostring)|join("|")' <<<"$(body)")" \
	'200 There are 3 r'"'"'s in "strawberry".|stop|false'
st=$(oa "{\"model\":\"gpt-x\",\"messages\":[$USER_SB,$ASST,$(tool_msg "$CALL" 4)]}")
expect_eq "openai: a wrong tool result is a 400" "$st" 400
expect_match "openai: ... saying what was expected and what came" "$(jq -r .error.message <<<"$(body)")" \
	'^fake: expected \["3"\] .*strawberry, turn 1.*got .4.$'
expect_eq "openai: ... in OpenAI's error shape" "$(jq -c '.error|keys' <<<"$(body)")" '["code","message","param","type"]'
ASST2='{"role":"assistant","content":"There are 3."}'
st=$(oa "{\"model\":\"gpt-x\",\"messages\":[$USER_SB,$ASST,$(tool_msg "$CALL" 3),$ASST2,{\"role\":\"user\",\"content\":\"and?\"}]}")
expect_eq "openai: past the last turn: 400" "$st" 400
expect_match "openai: ... fake: script strawberry has no turn 2" "$(jq -r .error.message <<<"$(body)")" '^fake: script strawberry has no turn 2$'

st=$(oa "{\"model\":\"gpt-x\",\"messages\":[$USER_SB]}" /openai/v1/chat/completions)
expect_eq "openai: Groq's path /openai/v1/chat/completions" "$st $(jq -r .object <<<"$(body)")" "200 chat.completion"
st=$(oa "{\"model\":\"gpt-x\",\"messages\":[$USER_SB]}" /chat/completions)
expect_eq "openai: /chat/completions" "$st $(jq -r .object <<<"$(body)")" "200 chat.completion"
st=$(req GET /v1/models -H 'Authorization: Bearer k')
expect_eq "openai: GET /v1/models lists models" "$st $(jq -r '.object + " " + .data[0].object' <<<"$(body)")" "200 list model"

# Auth and validation
st=$(KEY=bad-key oa "{\"model\":\"gpt-x\",\"messages\":[$USER_SB]}")
expect_eq "openai: bad-key → 401 invalid_api_key" "$st $(jq -r .error.code <<<"$(body)")" "401 invalid_api_key"
st=$(req POST /v1/chat/completions --data-binary "{\"model\":\"gpt-x\",\"messages\":[$USER_SB]}")
expect_eq "openai: no Authorization → 401" "$st $(jq -r .error.type <<<"$(body)")" "401 invalid_request_error"
st=$(oa '{"model":"gpt-x","messages":[')
expect_match "openai: malformed JSON → 400" "$st $(jq -r .error.message <<<"$(body)")" '^400 We could not parse the JSON body'
st=$(oa "{\"messages\":[$USER_SB]}")
expect_eq "openai: no model → 400" "$st $(jq -r .error.message <<<"$(body)")" "400 you must provide a model parameter"
st=$(oa '{"model":"gpt-x"}')
expect_eq "openai: no messages → 400" "$st $(jq -r .error.param <<<"$(body)")" "400 messages"
st=$(oa "{\"model\":\"gpt-x\",\"messages\":[$USER_SB,$(tool_msg call_nobody 3)]}")
expect_match "openai: a tool message answering no call → 400" "$st $(jq -r .error.message <<<"$(body)")" \
	"^400 .*messages with role 'tool' must be a response to a preceeding message with 'tool_calls'"
st=$(oa "{\"model\":\"gpt-x\",\"messages\":[$USER_SB,$ASST,{\"role\":\"user\",\"content\":\"go on\"}]}")
expect_match "openai: a call left unanswered → 400 naming it" "$st $(jq -r .error.message <<<"$(body)")" \
	"^400 An assistant message with 'tool_calls' must be followed by tool messages.*$CALL"
st=$(oa "{\"model\":\"gpt-x\",\"messages\":[$USER_SB,$ASST]}")
expect_eq "openai: a request ending with an unanswered call → 400" "$st" 400
st=$(oa '{"model":"gpt-x","messages":[{"role":"user","content":"nothing scripted"}]}')
expect_match "openai: no script matches (no fallback) → 400" "$st $(jq -r .error.message <<<"$(body)")" '^400 fake: no script matches'

# Two calls in one turn; the expectation needs both results.
st=$(oa '{"model":"m","messages":[{"role":"user","content":"two_calls"}]}')
b=$(body)
expect_eq "openai: two calls in a turn" "$(jq -r '[.choices[0].message.tool_calls[].function.name]|join(",")' <<<"$b")" "run_command,execute_python"
A2=$(jq -c '.choices[0].message' <<<"$b")
C1=$(jq -r '.choices[0].message.tool_calls[0].id' <<<"$b"); C2=$(jq -r '.choices[0].message.tool_calls[1].id' <<<"$b")
st=$(oa "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"two_calls\"},$A2,$(tool_msg "$C1" out-a)]}")
expect_eq "openai: one of two calls answered → 400" "$st" 400
st=$(oa "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"two_calls\"},$A2,$(tool_msg "$C1" out-a),$(tool_msg "$C2" out-2)]}")
expect_eq "openai: both answered, both expected results seen" "$st $(jq -r '.choices[0].message.content' <<<"$(body)")" "200 done"

# Scripted errors: 429 with Retry-After, then the answer.
R429='{"model":"m","messages":[{"role":"user","content":"retry_429 please"}]}'
st=$(oa "$R429")
expect_eq "retry_429: first attempt 429 with Retry-After: 1" "$st $(hdr Retry-After)" "429 1"
expect_eq "retry_429: OpenAI's rate-limit error" "$(jq -r '.error.code' <<<"$(body)")" rate_limit_exceeded
st=$(oa "$R429")
expect_eq "retry_429: the next attempt is answered" "$st $(jq -r '.choices[0].message.content' <<<"$(body)")" "200 Answered after one retry."

# repeat_last
msgs='{"role":"user","content":"step_limit"}'
for i in 1 2 3 4 5; do
	st=$(oa "{\"model\":\"m\",\"messages\":[$msgs]}")
	[ "$st" = 200 ] || break
	a=$(jq -c '.choices[0].message' <<<"$(body)")
	c=$(jq -r '.choices[0].message.tool_calls[0].id' <<<"$(body)")
	msgs="$msgs,$a,$(tool_msg "$c" 'still not done')"
done
expect_eq "step_limit: repeat_last answers turn 5 with the tool call again" \
	"$st $(jq -r '.choices[0].finish_reason' <<<"$(body)") $(jq -r '[.[]|select(.role=="assistant")]|length' <<<"[$msgs]")" "200 tool_calls 5"

# stop_reason, bad arguments
st=$(oa '{"model":"m","messages":[{"role":"user","content":"max_tokens_please"}]}')
expect_eq "stop_reason max_tokens → OpenAI length" "$(jq -r '.choices[0].finish_reason' <<<"$(body)")" length
st=$(oa '{"model":"m","messages":[{"role":"user","content":"bad_args"}]}')
expect_eq "bad_args: the arguments string is sent as it is" "$(jq -r '.choices[0].message.tool_calls[0].function.arguments' <<<"$(body)")" '{"code": "print(1)"'

# A stream dropped mid-way: 3 deltas, no [DONE], curl sees the connection end early.
curl -s -N -m 10 -o "$SCRATCH/.body" -H 'Authorization: Bearer k' --data-binary \
	'{"model":"m","stream":true,"messages":[{"role":"user","content":"abort_me"}]}' "$F_URL/v1/chat/completions"
rc=$?
expect_eq "abort_after_chunks: curl reports a cut transfer (18)" "$rc" 18
expect_eq "abort_after_chunks: 3 text deltas came, no [DONE]" \
	"$(sse_data | jq -rs '[.[].choices[0].delta.content // empty|select(.!="")]|join("")') $(grep -c DONE "$SCRATCH/.body")" "012345 0"
st=$(oa '{"model":"m","messages":[{"role":"user","content":"How many r in strawberry"}]}')
expect_eq "the fake still answers after a dropped stream" "$st" 200

# A mid-stream error event: the stream ends cleanly after it.
curl -s -N -m 10 -o "$SCRATCH/.body" -H 'Authorization: Bearer k' --data-binary \
	'{"model":"m","stream":true,"messages":[{"role":"user","content":"fail_midway"}]}' "$F_URL/v1/chat/completions"
rc=$?
expect_eq "error_after_chunks: openai: 2 deltas, then data: {error} as the last event, the stream ended cleanly" \
	"$rc $(sse_data | jq -rs '[([.[].choices[]?.delta.content // empty]|join("")), .[-1].error.type, (.[-1].error.message|length>0)]|map(tostring)|join(" ")') $(grep -c DONE "$SCRATCH/.body")" \
	"0 0123 server_error true 0"

# The slow script's deltas (its timing is not asserted).
st=$(oa '{"model":"m","stream":true,"messages":[{"role":"user","content":"give me a slow_answer"}]}')
expect_eq "slow: 4-character deltas adding up to the script's text" \
	"$(sse_data | jq -rs '[.[].choices[0].delta.content // empty|select(.!="")]|[(map(length)|max), (join("")|length)]|map(tostring)|join(" ")')" \
	"4 $(jq -r '.turns[0].text|length' "$SCRIPTS/slow.json")"

# --- Anthropic --------------------------------------------------------------------------
AREQ="{\"model\":\"claude-x\",\"max_tokens\":1024,\"messages\":[$USER_SB]}"
st=$(an "$AREQ")
b=$(body)
expect_eq "anthropic: a message" "$st $(jq -r '[.type,.role,.model,(.id|startswith("msg_")),.stop_reason]|map(tostring)|join(" ")' <<<"$b")" \
	"200 message assistant claude-x true tool_use"
expect_eq "anthropic: content: a text block, then a tool_use block with an object input" \
	"$(jq -r '[.content[0].type,.content[0].text,.content[1].type,.content[1].name,.content[1].input.code]|join("|")' <<<"$b")" \
	"text|Let me count with Python.|tool_use|execute_python|print('strawberry'.count('r'))"
expect_match "anthropic: a toolu_ id and a request-id header" "$(jq -r '.content[1].id' <<<"$b") $(hdr request-id)" '^toolu_01[A-Za-z0-9]{22} req_'
TU=$(jq -r '.content[1].id' <<<"$b")
ACONT=$(jq -c '{role:"assistant",content:.content}' <<<"$b")

st=$(an "{\"model\":\"claude-x\",\"max_tokens\":1024,\"stream\":true,\"messages\":[$USER_SB]}")
expect_match "anthropic stream: 200 text/event-stream" "$st $(hdr Content-Type)" '^200 text/event-stream'
expect_eq "anthropic stream: the event sequence" \
	"$(sed -n 's/^event: //p' "$SCRATCH/.body" | tr -d '\r' | uniq | paste -sd' ')" \
	"message_start content_block_start ping content_block_delta content_block_stop content_block_start content_block_delta content_block_stop message_delta message_stop"
expect_eq "anthropic stream: every event: line names its data's type" \
	"$(paste -sd' ' <(sed -n 's/^event: //p' "$SCRATCH/.body" | tr -d '\r')) " "$(sse_data | jq -r .type | paste -sd' ') "
d=$(sse_data)
expect_eq "anthropic stream: text_delta pieces add up to the text" \
	"$(jq -rs '[.[]|select(.type=="content_block_delta" and .delta.type=="text_delta")|.delta.text]|join("")' <<<"$d")" "Let me count with Python."
expect_eq "anthropic stream: tool_use block start with empty input, then input_json_delta pieces adding up to the JSON" \
	"$(jq -rs '[(.[]|select(.type=="content_block_start" and .content_block.type=="tool_use")|.index,.content_block.name,(.content_block.input|length)),
		([.[]|select(.delta.type?=="input_json_delta")|.delta.partial_json]|(length>1),(join("")|fromjson.code))]|map(tostring)|join("|")' <<<"$d")" \
	"1|execute_python|0|true|print('strawberry'.count('r'))"
expect_eq "anthropic stream: message_start has the message, message_delta the stop reason and usage" \
	"$(jq -rs '[(.[0].message|.role,.stop_reason), (.[]|select(.type=="message_delta")|.delta.stop_reason,(.usage.output_tokens|type))]|map(tostring)|join(" ")' <<<"$d")" \
	"assistant null tool_use number"

st=$(an "{\"model\":\"claude-x\",\"max_tokens\":1024,\"messages\":[$USER_SB,$ACONT,{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"$TU\",\"content\":[{\"type\":\"text\",\"text\":\"3\"}]}]}]}")
expect_eq "anthropic: turn 1 with the expected result (blocks): end_turn" \
	"$st $(jq -r '[.stop_reason,.content[0].text]|join("|")' <<<"$(body)")" '200 end_turn|There are 3 r'"'"'s in "strawberry".'
st=$(an "{\"model\":\"claude-x\",\"max_tokens\":1024,\"messages\":[$USER_SB,$ACONT,{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"$TU\",\"content\":\"4\"}]}]}")
expect_eq "anthropic: a wrong tool result → 400 invalid_request_error" "$st $(jq -r '.type + " " + .error.type' <<<"$(body)")" "400 error invalid_request_error"
st=$(an "{\"model\":\"claude-x\",\"max_tokens\":1024,\"messages\":[$USER_SB,{\"role\":\"assistant\",\"content\":\"hm\"},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_nobody\",\"content\":\"3\"}]}]}")
expect_match "anthropic: a tool_result answering no tool_use → 400" "$st $(jq -r .error.message <<<"$(body)")" \
	'^400 messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_nobody'
st=$(an "{\"model\":\"claude-x\",\"max_tokens\":1024,\"messages\":[$USER_SB,$ACONT,{\"role\":\"user\",\"content\":\"go on\"}]}")
expect_match "anthropic: a tool_use left unanswered → 400 naming it" "$st $(jq -r .error.message <<<"$(body)")" \
	"^400 messages.1: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: $TU"
st=$(an "{\"model\":\"claude-x\",\"messages\":[$USER_SB]}")
expect_eq "anthropic: no max_tokens → 400" "$st $(jq -r .error.message <<<"$(body)")" "400 max_tokens: Field required"
st=$(an '{"model":"claude-x","max_tokens":5,"messages":')
expect_eq "anthropic: malformed JSON → 400" "$st $(jq -r .error.type <<<"$(body)")" "400 invalid_request_error"
st=$(KEY=bad-key an "$AREQ")
expect_eq "anthropic: bad-key → 401 authentication_error" "$st $(jq -r .error.type <<<"$(body)")" "401 authentication_error"
st=$(req POST /v1/messages -H 'anthropic-version: 2023-06-01' --data-binary "$AREQ")
expect_eq "anthropic: no x-api-key → 401" "$st" 401
st=$(req POST /v1/messages -H 'x-api-key: k' --data-binary "$AREQ")
expect_match "anthropic: no anthropic-version → 400" "$st $(jq -r .error.message <<<"$(body)")" '^400 anthropic-version'
st=$(an '{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"max_tokens_please"}]}')
expect_eq "stop_reason max_tokens → Anthropic max_tokens" "$(jq -r .stop_reason <<<"$(body)")" max_tokens
st=$(an '{"model":"m","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"abort_me"}]}')
expect_eq "anthropic: abort_after_chunks cuts the stream (no message_stop)" \
	"$(sse_data | jq -rs '[.[]|select(.delta.type?=="text_delta")|.delta.text]|join("")') $(grep -c message_stop "$SCRATCH/.body")" "012345 0"
st=$(an '{"model":"m","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"fail_midway"}]}')
expect_eq "error_after_chunks: anthropic: event: error (overloaded_error) after 2 deltas, no message_stop" \
	"$st $(sed -n 's/^event: //p' "$SCRATCH/.body" | tr -d '\r' | tail -1) $(sse_data | jq -rs '[([.[]|select(.delta.type?=="text_delta")|.delta.text]|join("")), .[-1].error.type]|join(" ")') $(grep -c message_stop "$SCRATCH/.body")" \
	"200 error 0123 overloaded_error 0"
st=$(an '{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"retry_429 please"}]}')
expect_eq "retry_429: counted per script and turn: a later conversation is answered" "$st" 200

# --- Ollama ------------------------------------------------------------------------------
st=$(req GET /api/tags)
expect_eq "ollama: /api/tags lists a model" "$st $(jq -r '.models[0]|has("name") and has("model") and has("details")' <<<"$(body)")" "200 true"
st=$(req POST /api/chat --data-binary "{\"model\":\"llama3.2\",\"messages\":[$USER_SB]}")
expect_match "ollama: streams NDJSON by default" "$st $(hdr Content-Type)" '^200 application/x-ndjson'
expect_eq "ollama: lines: text pieces, the calls (arguments an object), then done" \
	"$(jq -rs '[(map(.message.content)|join("")), (.[-2].message.tool_calls[0].function|.name+":"+.arguments.code), (map(.done)|map(tostring)|join(",")), .[-1].done_reason]|join("|")' "$SCRATCH/.body")" \
	"Let me count with Python.|execute_python:print('strawberry'.count('r'))|false,false,false,false,false,true|stop"
st=$(req POST /api/chat --data-binary "{\"model\":\"llama3.2\",\"stream\":false,\"messages\":[$USER_SB,{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"execute_python\",\"arguments\":{}}}]},{\"role\":\"tool\",\"content\":\"3\"}]}")
expect_eq "ollama: stream false: one object with the turn-1 answer" \
	"$st $(jq -r '[.done,.message.content,.model]|map(tostring)|join("|")' <<<"$(body)")" '200 true|There are 3 r'"'"'s in "strawberry".|llama3.2'
st=$(req POST /api/chat --data-binary "{\"model\":\"llama3.2\",\"messages\":[$USER_SB,{\"role\":\"tool\",\"content\":\"3\"}]}")
expect_match "ollama: a tool message after no call → 400 {error}" "$st $(jq -r .error <<<"$(body)")" '^400 messages\[1\]'
st=$(req POST /api/chat --data-binary '{"model":"m","messages":[{"role":"user","content":"fail_midway"}]}')
expect_eq "error_after_chunks: ollama: an {error} line after 2 pieces" \
	"$(jq -rs '[([.[].message.content // empty]|join("")), (.[-1].error|length>0)]|map(tostring)|join(" ")' "$SCRATCH/.body")" "0123 true"
st=$(req POST /api/chat --data-binary '{"messages":[]}')
expect_eq "ollama: no model → 400" "$st $(jq -r .error <<<"$(body)")" "400 model is required"

# --- a fallback script ---------------------------------------------------------------------
echo '{"name":"any","turns":[{"text":"fallback answer"}]}' >"$SCRATCH/fallback.json"
start_fake G "$SCRIPTS/strawberry.json" "$SCRATCH/fallback.json" || notok "a second fake starts" "$(cat "$SCRATCH/G.err")"
out=$(curl -s -m 10 -H 'Authorization: Bearer k' --data-binary '{"model":"m","messages":[{"role":"user","content":"anything else"}]}' "$G_URL/v1/chat/completions")
expect_eq "a script without match is the fallback" "$(jq -r '.choices[0].message.content' <<<"$out")" "fallback answer"

# --- the request log -----------------------------------------------------------------------------
n_log=$(wc -l <"$SCRATCH/F.jsonl")
out=$(curl -s -m 10 "$F_URL/_fake/log")
expect_eq "/_fake/log and --log hold the same requests" "$(jq length <<<"$out")" "$n_log"
expect_eq "the log holds every request made" "$n_log" "$(grep -c . <<<"$(jq -c '.[]' <<<"$out")")"
first=$(head -1 "$SCRATCH/F.jsonl")
expect_eq "a log line: path, headers (lower-case names), the parsed body" \
	"$(jq -r '[.path,.headers.authorization,.body.model,.body.messages[0].content]|join("|")' <<<"$first")" \
	"/v1/chat/completions|Bearer test-key|gpt-x|How many r are in strawberry?"
expect_eq "a malformed body is logged as a string" \
	"$(jq -r 'select(.body|type=="string")|.body' "$SCRATCH/F.jsonl" | head -1)" '{"model":"gpt-x","messages":['
expect_eq "/_fake/log is not itself logged" "$(jq -r 'select(.path=="/_fake/log")' "$SCRATCH/F.jsonl" | wc -l)" 0
expect_eq "the fake wrote nothing to stderr" "$(cat "$SCRATCH/F.err")" ""

stop_pid "$F_PID"; F_PID=
expect_eq "SIGTERM: the fake exits with status 0" "$STOP_RC" 0
done_testing
