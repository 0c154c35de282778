/* protobuf-JSON for envd messages (src/proto/envd_json*.c): the captured SDK
 * requests of reference/captures/sdk-debug-mode.log, protojson's leniency,
 * and the exact response encodings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "assert_json.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "../../src/proto/envd_json.h"

static json_t *parse(const char *s)
{
	sbx_err e;
	json_t *j = envd_parse(s, strlen(s), &e);
	if (!j)
		fail_msg("parse %s: %s", s, e.msg);
	return j;
}


/* --- captured requests ---------------------------------------------------- */

static void test_captured_start_command(void **state)
{
	(void)state;
	envd_start_req r;
	sbx_err e;
	json_t *j = parse("{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-l\",\"-c\",\"echo hello\"],"
			  "\"envs\":{\"FOO\":\"bar\"},\"cwd\":\"/tmp\"},\"stdin\":false}");
	assert_int_equal(envd_decode_start(j, &r, &e), 0);
	assert_string_equal(r.process.cmd, "/bin/bash");
	assert_int_equal(r.process.nargs, 3);
	assert_string_equal(r.process.args[0], "-l");
	assert_string_equal(r.process.args[2], "echo hello");
	assert_int_equal(r.process.envs.n, 1);
	assert_string_equal(r.process.envs.keys[0], "FOO");
	assert_string_equal(r.process.envs.values[0], "bar");
	assert_string_equal(r.process.cwd, "/tmp");
	assert_int_equal(r.pty.set, 0);
	assert_null(r.tag);
	assert_int_equal(r.stdin_set, 1);
	assert_int_equal(r.stdin_on, 0);
	envd_start_req_free(&r);
	json_decref(j);

	j = parse("{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-l\",\"-c\",\"sleep 1\"]},\"stdin\":true}");
	assert_int_equal(envd_decode_start(j, &r, &e), 0);
	assert_null(r.process.cwd);
	assert_int_equal(r.process.envs.n, 0);
	assert_int_equal(r.stdin_on, 1);
	envd_start_req_free(&r);
	json_decref(j);
}

static void test_captured_start_pty(void **state)
{
	(void)state;
	envd_start_req r;
	sbx_err e;
	json_t *j = parse("{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-i\",\"-l\"],\"envs\":{\"TERM\":"
			  "\"xterm-256color\",\"LANG\":\"C.UTF-8\",\"LC_ALL\":\"C.UTF-8\"}},\"pty\":{\"size\":"
			  "{\"cols\":80,\"rows\":24}}}");
	assert_int_equal(envd_decode_start(j, &r, &e), 0);
	assert_int_equal(r.pty.set, 1);
	assert_int_equal(r.pty.cols, 80);
	assert_int_equal(r.pty.rows, 24);
	/* Map order is kept. */
	assert_int_equal(r.process.envs.n, 3);
	assert_string_equal(r.process.envs.keys[0], "TERM");
	assert_string_equal(r.process.envs.keys[2], "LC_ALL");
	/* stdin absent means true. */
	assert_int_equal(r.stdin_set, 0);
	assert_int_equal(r.stdin_on, 1);
	envd_start_req_free(&r);
	json_decref(j);
}

static void test_captured_input_signal_update(void **state)
{
	(void)state;
	sbx_err e;
	envd_input_req in;
	json_t *j = parse("{\"process\":{\"pid\":4242},\"input\":{\"stdin\":\"YWJj\"}}");
	assert_int_equal(envd_decode_input(j, &in, &e), 0);
	assert_int_equal(in.process.kind, ENVD_SEL_PID);
	assert_int_equal(in.process.pid, 4242);
	assert_int_equal(in.kind, ENVD_INPUT_STDIN);
	assert_int_equal(in.len, 3);
	assert_memory_equal(in.data, "abc", 3);
	envd_input_req_free(&in);
	json_decref(j);

	j = parse("{\"process\":{\"pid\":4242},\"input\":{\"pty\":\"bHMK\"}}");
	assert_int_equal(envd_decode_input(j, &in, &e), 0);
	assert_int_equal(in.kind, ENVD_INPUT_PTY);
	assert_memory_equal(in.data, "ls\n", 3);
	envd_input_req_free(&in);
	json_decref(j);

	envd_signal_req sig;
	j = parse("{\"process\":{\"pid\":4242},\"signal\":\"SIGNAL_SIGKILL\"}");
	assert_int_equal(envd_decode_signal(j, &sig, &e), 0);
	assert_int_equal(sig.process.pid, 4242);
	assert_int_equal(sig.signal, ENVD_SIGNAL_SIGKILL);
	envd_signal_req_free(&sig);
	json_decref(j);

	envd_update_req up;
	j = parse("{\"process\":{\"pid\":4242},\"pty\":{\"size\":{\"cols\":100,\"rows\":30}}}");
	assert_int_equal(envd_decode_update(j, &up, &e), 0);
	assert_int_equal(up.process.pid, 4242);
	assert_int_equal(up.pty.set, 1);
	assert_int_equal(up.pty.cols, 100);
	assert_int_equal(up.pty.rows, 30);
	envd_update_req_free(&up);
	json_decref(j);

	envd_select_req sel;
	j = parse("{\"process\":{\"pid\":0}}");   /* the oneof member is set, to 0 */
	assert_int_equal(envd_decode_select(j, &sel, &e), 0);
	assert_int_equal(sel.process.kind, ENVD_SEL_PID);
	assert_int_equal(sel.process.pid, 0);
	envd_select_req_free(&sel);
	json_decref(j);

	/* ListRequest {} parses as an object. */
	json_decref(parse("{}"));
}

static void test_captured_fs(void **state)
{
	(void)state;
	sbx_err e;
	envd_listdir_req ld;
	json_t *j = parse("{\"path\":\"/home/user\",\"depth\":1}");
	assert_int_equal(envd_decode_listdir(j, &ld, &e), 0);
	assert_string_equal(ld.path, "/home/user");
	assert_int_equal(ld.depth, 1);
	envd_listdir_req_free(&ld);
	json_decref(j);

	envd_path_req p;
	const char *paths[] = { "{\"path\":\"a.txt\"}", "{\"path\":\"/home/user/d\"}", "{\"path\":\"/b\"}" };
	const char *want[] = { "a.txt", "/home/user/d", "/b" };
	for (int i = 0; i < 3; i++) {
		j = parse(paths[i]);
		assert_int_equal(envd_decode_path(j, &p, &e), 0);
		assert_string_equal(p.path, want[i]);
		envd_path_req_free(&p);
		json_decref(j);
	}

	envd_move_req mv;
	j = parse("{\"source\":\"/a\",\"destination\":\"/b\"}");
	assert_int_equal(envd_decode_move(j, &mv, &e), 0);
	assert_string_equal(mv.source, "/a");
	assert_string_equal(mv.destination, "/b");
	envd_move_req_free(&mv);
	json_decref(j);

	envd_watch_req w;
	j = parse("{\"path\":\"/home/user\",\"recursive\":true}");
	assert_int_equal(envd_decode_watch(j, &w, &e), 0);
	assert_string_equal(w.path, "/home/user");
	assert_int_equal(w.recursive, 1);
	assert_int_equal(w.include_entry, 0);
	assert_int_equal(w.allow_network_mounts, 0);
	envd_watch_req_free(&w);
	json_decref(j);
}

/* --- protojson leniency ----------------------------------------------------- */

static void test_proto_names(void **state)
{
	(void)state;
	sbx_err e;
	envd_watch_req w;
	json_t *j = parse("{\"path\":\"x\",\"include_entry\":true,\"allow_network_mounts\":true}");
	assert_int_equal(envd_decode_watch(j, &w, &e), 0);
	assert_int_equal(w.include_entry, 1);
	assert_int_equal(w.allow_network_mounts, 1);
	envd_watch_req_free(&w);
	json_decref(j);
	j = parse("{\"path\":\"x\",\"includeEntry\":true,\"allowNetworkMounts\":true}");
	assert_int_equal(envd_decode_watch(j, &w, &e), 0);
	assert_int_equal(w.include_entry, 1);
	assert_int_equal(w.allow_network_mounts, 1);
	envd_watch_req_free(&w);
	json_decref(j);

	envd_watcher_req wr;
	j = parse("{\"watcher_id\":\"w1\"}");
	assert_int_equal(envd_decode_watcher(j, &wr, &e), 0);
	assert_string_equal(wr.watcher_id, "w1");
	envd_watcher_req_free(&wr);
	json_decref(j);
	j = parse("{\"watcherId\":\"w2\"}");
	assert_int_equal(envd_decode_watcher(j, &wr, &e), 0);
	assert_string_equal(wr.watcher_id, "w2");
	envd_watcher_req_free(&wr);
	json_decref(j);

	/* Both spellings at once is a duplicate field. */
	j = parse("{\"watcherId\":\"w2\",\"watcher_id\":\"w3\"}");
	assert_int_equal(envd_decode_watcher(j, &wr, &e), -1);
	assert_non_null(strstr(e.msg, "twice"));
	json_decref(j);
}

static void test_enums_and_numbers(void **state)
{
	(void)state;
	sbx_err e;
	envd_signal_req s;
	struct {
		const char *json;
		int want;
	} cases[] = {
		{ "{\"signal\":9}", 9 },
		{ "{\"signal\":15}", 15 },
		{ "{\"signal\":\"SIGNAL_SIGTERM\"}", 15 },
		{ "{\"signal\":\"SIGNAL_BOGUS\"}", 0 },   /* unknown name: unset */
		{ "{\"signal\":null}", 0 },
		{ "{\"signal\":\"9\"}", 0 },   /* a string is a name, as protojson */
		{ "{}", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *j = parse(cases[i].json);
		assert_int_equal(envd_decode_signal(j, &s, &e), 0);
		assert_int_equal(s.signal, cases[i].want);
		envd_signal_req_free(&s);
		json_decref(j);
	}

	envd_select_req sel;
	const char *ok[] = { "{\"process\":{\"pid\":\"42\"}}", "{\"process\":{\"pid\":42.0}}",
			     "{\"process\":{\"pid\":4294967295}}" };
	for (size_t i = 0; i < 3; i++) {
		json_t *j = parse(ok[i]);
		assert_int_equal(envd_decode_select(j, &sel, &e), 0);
		assert_int_equal(sel.process.kind, ENVD_SEL_PID);
		envd_select_req_free(&sel);
		json_decref(j);
	}
	const char *bad[] = { "{\"process\":{\"pid\":-1}}", "{\"process\":{\"pid\":4294967296}}",
			      "{\"process\":{\"pid\":1.5}}", "{\"process\":{\"pid\":\"x\"}}",
			      "{\"process\":{\"pid\":true}}", "{\"process\":{\"tag\":7}}",
			      "{\"process\":[]}", "{\"process\":\"4242\"}" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *j = parse(bad[i]);
		if (envd_decode_select(j, &sel, &e) == 0)
			fail_msg("%s decoded", bad[i]);
		json_decref(j);
	}

	envd_listdir_req ld;
	json_t *j = parse("{\"path\":\"/\",\"depth\":\"3\"}");
	assert_int_equal(envd_decode_listdir(j, &ld, &e), 0);
	assert_int_equal(ld.depth, 3);
	envd_listdir_req_free(&ld);
	json_decref(j);
}

static void test_oneofs(void **state)
{
	(void)state;
	sbx_err e;
	envd_select_req sel;
	json_t *j = parse("{\"process\":{\"pid\":1,\"tag\":\"t\"}}");
	assert_int_equal(envd_decode_select(j, &sel, &e), -1);
	assert_non_null(strstr(e.msg, "oneof"));
	json_decref(j);

	/* null does not count as set. */
	j = parse("{\"process\":{\"pid\":null,\"tag\":\"t\"}}");
	assert_int_equal(envd_decode_select(j, &sel, &e), 0);
	assert_int_equal(sel.process.kind, ENVD_SEL_TAG);
	assert_string_equal(sel.process.tag, "t");
	envd_select_req_free(&sel);
	json_decref(j);

	j = parse("{\"process\":{}}");
	assert_int_equal(envd_decode_select(j, &sel, &e), 0);
	assert_int_equal(sel.process.kind, ENVD_SEL_NONE);
	envd_select_req_free(&sel);
	json_decref(j);

	envd_input_req in;
	j = parse("{\"process\":{\"pid\":1},\"input\":{\"stdin\":\"YQ==\",\"pty\":\"YQ==\"}}");
	assert_int_equal(envd_decode_input(j, &in, &e), -1);
	assert_non_null(strstr(e.msg, "oneof"));
	json_decref(j);

	j = parse("{\"process\":{\"pid\":1}}");
	assert_int_equal(envd_decode_input(j, &in, &e), 0);
	assert_int_equal(in.kind, ENVD_INPUT_NONE);
	envd_input_req_free(&in);
	json_decref(j);
}

static void test_bytes(void **state)
{
	(void)state;
	sbx_err e;
	envd_input_req in;
	/* 0xfb 0xff: "+/8=" standard, "-_8" URL-safe unpadded. */
	const char *forms[] = { "+/8=", "+/8", "-_8=", "-_8" };
	for (int i = 0; i < 4; i++) {
		char body[128];
		snprintf(body, sizeof body, "{\"process\":{\"pid\":1},\"input\":{\"stdin\":\"%s\"}}", forms[i]);
		json_t *j = parse(body);
		assert_int_equal(envd_decode_input(j, &in, &e), 0);
		assert_int_equal(in.len, 2);
		assert_memory_equal(in.data, "\xfb\xff", 2);
		envd_input_req_free(&in);
		json_decref(j);
	}
	json_t *j = parse("{\"process\":{\"pid\":1},\"input\":{\"stdin\":\"a*b\"}}");
	assert_int_equal(envd_decode_input(j, &in, &e), -1);
	assert_non_null(strstr(e.msg, "base64"));
	json_decref(j);
	j = parse("{\"process\":{\"pid\":1},\"input\":{\"stdin\":12}}");
	assert_int_equal(envd_decode_input(j, &in, &e), -1);
	json_decref(j);
	/* Empty bytes are set (the oneof member is present). */
	j = parse("{\"process\":{\"pid\":1},\"input\":{\"pty\":\"\"}}");
	assert_int_equal(envd_decode_input(j, &in, &e), 0);
	assert_int_equal(in.kind, ENVD_INPUT_PTY);
	assert_int_equal(in.len, 0);
	envd_input_req_free(&in);
	json_decref(j);
}

static void test_types_and_unknown_fields(void **state)
{
	(void)state;
	sbx_err e;
	envd_start_req r;
	/* Unknown fields anywhere are ignored; nulls are unset. */
	json_t *j = parse("{\"process\":{\"cmd\":\"ls\",\"args\":null,\"envs\":null,\"whatever\":[1]},"
			  "\"pty\":null,\"tag\":null,\"stdin\":null,\"future\":{\"x\":1}}");
	assert_int_equal(envd_decode_start(j, &r, &e), 0);
	assert_string_equal(r.process.cmd, "ls");
	assert_int_equal(r.process.nargs, 0);
	assert_int_equal(r.pty.set, 0);
	assert_int_equal(r.stdin_on, 1);
	envd_start_req_free(&r);
	json_decref(j);

	/* A missing process is an empty config (cmd ""), left to the handler. */
	j = parse("{}");
	assert_int_equal(envd_decode_start(j, &r, &e), 0);
	assert_string_equal(r.process.cmd, "");
	envd_start_req_free(&r);
	json_decref(j);

	/* PTY without size is set, 0 x 0. */
	j = parse("{\"process\":{\"cmd\":\"sh\"},\"pty\":{}}");
	assert_int_equal(envd_decode_start(j, &r, &e), 0);
	assert_int_equal(r.pty.set, 1);
	assert_int_equal(r.pty.cols, 0);
	envd_start_req_free(&r);
	json_decref(j);

	const char *bad[] = {
		"{\"process\":{\"cmd\":1}}",
		"{\"process\":{\"cmd\":\"x\",\"args\":\"-l\"}}",
		"{\"process\":{\"cmd\":\"x\",\"args\":[\"a\",1]}}",
		"{\"process\":{\"cmd\":\"x\",\"envs\":{\"A\":1}}}",
		"{\"process\":{\"cmd\":\"x\",\"envs\":[]}}",
		"{\"process\":{\"cmd\":\"x\",\"cwd\":false}}",
		"{\"process\":{\"cmd\":\"x\"},\"stdin\":\"yes\"}",
		"{\"process\":{\"cmd\":\"x\"},\"pty\":{\"size\":{\"cols\":-1}}}",
		"{\"process\":{\"cmd\":\"x\"},\"pty\":5}",
		"{\"process\":{\"cmd\":\"x\"},\"tag\":{}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = parse(bad[i]);
		if (envd_decode_start(j, &r, &e) == 0)
			fail_msg("%s decoded", bad[i]);
		json_decref(j);
	}

	envd_watch_req w;
	j = parse("{\"path\":\"x\",\"recursive\":1}");
	assert_int_equal(envd_decode_watch(j, &w, &e), -1);
	json_decref(j);
	envd_move_req mv;
	j = parse("{\"source\":\"a\",\"destination\":[]}");
	assert_int_equal(envd_decode_move(j, &mv, &e), -1);
	json_decref(j);
}

static void test_parse(void **state)
{
	(void)state;
	sbx_err e;
	assert_null(envd_parse("{", 1, &e));
	assert_non_null(strstr(e.msg, "not valid JSON"));
	assert_null(envd_parse("[]", 2, &e));
	assert_non_null(strstr(e.msg, "object"));
	assert_null(envd_parse("null", 4, &e));
	assert_null(envd_parse("", 0, &e));
	assert_null(envd_parse("{\"a\":1,\"a\":2}", 13, &e));   /* duplicate keys, as protojson */
	json_t *j = envd_parse("{\"path\":\"x\"} ", 13, &e);
	assert_non_null(j);
	json_decref(j);
}

/* --- responses ------------------------------------------------------------ */

static void test_process_events(void **state)
{
	(void)state;
	assert_json(envd_ev_start(4242), "{\"event\":{\"start\":{\"pid\":4242}}}");
	assert_json(envd_ev_data(ENVD_OUT_STDOUT, "hello\n", 6), "{\"event\":{\"data\":{\"stdout\":\"aGVsbG8K\"}}}");
	assert_json(envd_ev_data(ENVD_OUT_STDERR, "\xfb\xff", 2), "{\"event\":{\"data\":{\"stderr\":\"+/8=\"}}}");
	assert_json(envd_ev_data(ENVD_OUT_PTY, "ls\n", 3), "{\"event\":{\"data\":{\"pty\":\"bHMK\"}}}");
	assert_json(envd_ev_keepalive(), "{\"event\":{\"keepalive\":{}}}");
	/* the hand-built text is what jansson would have dumped */
	static const struct { int kind; const char *data; size_t len; } evs[] = {
		{ ENVD_OUT_STDOUT, "hello\n", 6 }, { ENVD_OUT_STDERR, "\xfb\xff", 2 }, { ENVD_OUT_PTY, "ls\n", 3 },
		{ ENVD_OUT_PTY, "", 0 },
	};
	for (size_t i = 0; i < sizeof evs / sizeof *evs; i++) {
		size_t n;
		char *text = envd_ev_data_text(evs[i].kind, evs[i].data, evs[i].len, &n);
		json_t *j = envd_ev_data(evs[i].kind, evs[i].data, evs[i].len);
		char *want = json_dumps(j, JSON_COMPACT);
		assert_string_equal(text, want);
		assert_int_equal(n, strlen(want));
		free(text), free(want), json_decref(j);
	}

	envd_end end;
	envd_end_from_wait(0, &end);   /* exit 0 */
	assert_json(envd_ev_end(&end), "{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}");
	envd_end_from_wait(1 << 8, &end);
	assert_json(envd_ev_end(&end),
		    "{\"event\":{\"end\":{\"exitCode\":1,\"exited\":true,\"status\":\"exit status 1\","
		    "\"error\":\"exit status 1\"}}}");
	envd_end_from_wait(SIGKILL, &end);
	assert_int_equal(end.exit_code, -1);
	assert_json(envd_ev_end(&end),
		    "{\"event\":{\"end\":{\"exitCode\":-1,\"status\":\"signal: killed\",\"error\":\"signal: killed\"}}}");
	envd_end_from_wait(SIGTERM, &end);
	assert_string_equal(end.status, "signal: terminated");
	envd_end_from_wait(SIGSEGV | 0x80, &end);
	assert_string_equal(end.status, "signal: segmentation fault (core dumped)");
	envd_end_from_wait(SIGINT, &end);
	assert_string_equal(end.status, "signal: interrupt");
	envd_end_from_wait(40, &end);   /* a real-time signal */
	assert_string_equal(end.status, "signal: signal 40");

	/* And from a real child. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	int ws;
	waitpid(pid, &ws, 0);
	envd_end_from_wait(ws, &end);
	assert_string_equal(end.status, "exit status 7");
	assert_int_equal(end.exit_code, 7);
}

static void test_process_info(void **state)
{
	(void)state;
	char *args[] = { "-l", "-c", "sleep 10" };
	char *keys[] = { "A" }, *vals[] = { "1" };
	envd_proc_config c = { .cmd = "/bin/bash", .args = args, .nargs = 3,
			       .envs = { keys, vals, 1 }, .cwd = "/home/user" };
	assert_json(envd_process_info_json(&c, 4242, "t1"),
		    "{\"config\":{\"cmd\":\"/bin/bash\",\"args\":[\"-l\",\"-c\",\"sleep 10\"],\"envs\":{\"A\":\"1\"},"
		    "\"cwd\":\"/home/user\"},\"pid\":4242,\"tag\":\"t1\"}");
	c.cwd = NULL;
	c.nargs = 0;
	c.envs.n = 0;
	assert_json(envd_process_info_json(&c, 1, NULL),
		    "{\"config\":{\"cmd\":\"/bin/bash\",\"args\":[],\"envs\":{}},\"pid\":1}");
}

static void test_perm_strings(void **state)
{
	(void)state;
	static const struct {
		mode_t m;
		const char *want;
	} cases[] = {
		{ S_IFREG | 0644, "-rw-r--r--" }, { S_IFDIR | 0755, "drwxr-xr-x" },
		{ S_IFLNK | 0777, "Lrwxrwxrwx" }, { S_IFDIR | 01777, "dtrwxrwxrwx" },
		{ S_IFCHR | 0666, "Dcrw-rw-rw-" }, { S_IFBLK | 0660, "Drw-rw----" },
		{ S_IFIFO | 0644, "prw-r--r--" }, { S_IFSOCK | 0755, "Srwxr-xr-x" },
		{ S_IFREG | 04755, "urwxr-xr-x" }, { S_IFREG | 02755, "grwxr-xr-x" },
		{ S_IFREG | 06755, "ugrwxr-xr-x" }, { S_IFREG | 0, "----------" },
		{ S_IFDIR | 02775, "dgrwxrwxr-x" },
	};
	char out[32];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		envd_perm_string(cases[i].m, out);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_timestamps(void **state)
{
	(void)state;
	char out[48];
	struct timespec ts = { 1704067200, 0 };
	envd_timestamp(&ts, out, sizeof out);
	assert_string_equal(out, "2024-01-01T00:00:00Z");
	ts.tv_nsec = 123000000;
	envd_timestamp(&ts, out, sizeof out);
	assert_string_equal(out, "2024-01-01T00:00:00.123Z");
	ts.tv_nsec = 123456000;
	envd_timestamp(&ts, out, sizeof out);
	assert_string_equal(out, "2024-01-01T00:00:00.123456Z");
	ts.tv_nsec = 123456789;
	envd_timestamp(&ts, out, sizeof out);
	assert_string_equal(out, "2024-01-01T00:00:00.123456789Z");
	ts.tv_nsec = 1;
	envd_timestamp(&ts, out, sizeof out);
	assert_string_equal(out, "2024-01-01T00:00:00.000000001Z");
}

static void test_entry_json(void **state)
{
	(void)state;
	char *mk[] = { "owner" }, *mv[] = { "me" };
	envd_entry en = {
		.name = "a.txt", .type = ENVD_FILE_FILE, .path = "/home/user/a.txt", .size = 5,
		.mode = 0644, .owner = "user", .group = "user",
		.mtime = { 1704067200, 500000000 }, .metadata = { mk, mv, 1 },
	};
	strcpy(en.permissions, "-rw-r--r--");
	assert_json(envd_entry_json(&en),
		    "{\"name\":\"a.txt\",\"type\":\"FILE_TYPE_FILE\",\"path\":\"/home/user/a.txt\",\"size\":\"5\","
		    "\"mode\":420,\"permissions\":\"-rw-r--r--\",\"owner\":\"user\",\"group\":\"user\","
		    "\"modifiedTime\":\"2024-01-01T00:00:00.500Z\",\"metadata\":{\"owner\":\"me\"}}");
	en.metadata.n = 0;
	en.type = ENVD_FILE_DIRECTORY;
	en.symlink_target = "/data";
	en.size = 5000000000LL;
	json_t *j = envd_entry_json(&en);
	assert_string_equal(json_string_value(json_object_get(j, "symlinkTarget")), "/data");
	assert_string_equal(json_string_value(json_object_get(j, "type")), "FILE_TYPE_DIRECTORY");
	assert_string_equal(json_string_value(json_object_get(j, "size")), "5000000000");
	assert_null(json_object_get(j, "metadata"));
	json_decref(j);
}

static void test_entry_stat(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-envd-json.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char file[128], link[128], dangling[128], sub[128];
	snprintf(file, sizeof file, "%s/f.txt", dir);
	snprintf(link, sizeof link, "%s/l", dir);
	snprintf(dangling, sizeof dangling, "%s/dangling", dir);
	snprintf(sub, sizeof sub, "%s/sub", dir);
	int fd = open(file, O_CREAT | O_WRONLY, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello", 5), 5);
	close(fd);
	chmod(file, 0640);
	int have_xattr = setxattr(file, "user.e2b.owner", "me", 2, 0) == 0;
	assert_int_equal(mkdir(sub, 0750), 0);
	chmod(sub, 0750);
	assert_int_equal(symlink(sub, link), 0);
	assert_int_equal(symlink("/nonexistent/x", dangling), 0);

	envd_entry en;
	sbx_err e;
	assert_int_equal(envd_entry_stat(file, "/reported/f.txt", &en, &e), 0);
	assert_string_equal(en.name, "f.txt");
	assert_string_equal(en.path, "/reported/f.txt");
	assert_int_equal(en.type, ENVD_FILE_FILE);
	assert_int_equal(en.size, 5);
	assert_int_equal(en.mode, 0640);
	assert_string_equal(en.permissions, "-rw-r-----");
	assert_non_null(en.owner);
	assert_null(en.symlink_target);
	if (have_xattr) {
		assert_int_equal(en.metadata.n, 1);
		assert_string_equal(en.metadata.keys[0], "owner");
		assert_string_equal(en.metadata.values[0], "me");
	}
	envd_entry_free(&en);

	/* A symlink reports its target's type and mode, and its own permissions. */
	assert_int_equal(envd_entry_stat(link, NULL, &en, &e), 0);
	assert_string_equal(en.name, "l");
	assert_string_equal(en.path, link);
	assert_int_equal(en.type, ENVD_FILE_DIRECTORY);
	assert_int_equal(en.mode, 0750);
	assert_string_equal(en.permissions, "Lrwxrwxrwx");
	assert_string_equal(en.symlink_target, sub);
	json_t *j = envd_entry_json(&en);
	assert_string_equal(json_string_value(json_object_get(j, "symlinkTarget")), sub);
	json_decref(j);
	envd_entry_free(&en);

	assert_int_equal(envd_entry_stat(dangling, NULL, &en, &e), 0);
	assert_int_equal(en.type, ENVD_FILE_SYMLINK);
	assert_null(en.symlink_target);
	envd_entry_free(&en);

	assert_int_equal(envd_entry_stat("/", NULL, &en, &e), 0);
	assert_string_equal(en.name, "/");
	envd_entry_free(&en);

	assert_int_equal(envd_entry_stat("/nonexistent/zz", NULL, &en, &e), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(e.msg, "/nonexistent/zz"));

	unlink(file);
	unlink(link);
	unlink(dangling);
	rmdir(sub);
	rmdir(dir);
}

static void test_fs_events(void **state)
{
	(void)state;
	assert_json(envd_watch_start(), "{\"start\":{}}");
	assert_json(envd_watch_keepalive(), "{\"keepalive\":{}}");
	assert_json(envd_watch_event(envd_fs_event_json("a.txt", ENVD_EVENT_CREATE, NULL)),
		    "{\"filesystem\":{\"name\":\"a.txt\",\"type\":\"EVENT_TYPE_CREATE\"}}");
	const char *names[] = { "EVENT_TYPE_UNSPECIFIED", "EVENT_TYPE_CREATE", "EVENT_TYPE_WRITE",
				"EVENT_TYPE_REMOVE", "EVENT_TYPE_RENAME", "EVENT_TYPE_CHMOD" };
	for (int i = 0; i < 6; i++)
		assert_string_equal(envd_event_type_name(i), names[i]);
	assert_string_equal(envd_event_type_name(99), "EVENT_TYPE_UNSPECIFIED");
	assert_string_equal(envd_file_type_name(ENVD_FILE_SYMLINK), "FILE_TYPE_SYMLINK");
	assert_string_equal(envd_signal_name(9), "SIGNAL_SIGKILL");
	assert_null(envd_signal_name(2));
}

static void test_utf8(void **state)
{
	(void)state;
	/* A file name that is not UTF-8 still gives valid JSON. */
	envd_entry en = { .name = "x\xfe", .path = "/x\xfe", .owner = "o", .group = "g" };
	json_t *j = envd_entry_json(&en);
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(strstr(s, "\"name\":\"x\xef\xbf\xbd\""));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captured_start_command),
		cmocka_unit_test(test_captured_start_pty),
		cmocka_unit_test(test_captured_input_signal_update),
		cmocka_unit_test(test_captured_fs),
		cmocka_unit_test(test_proto_names),
		cmocka_unit_test(test_enums_and_numbers),
		cmocka_unit_test(test_oneofs),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_types_and_unknown_fields),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_process_events),
		cmocka_unit_test(test_process_info),
		cmocka_unit_test(test_perm_strings),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_entry_json),
		cmocka_unit_test(test_entry_stat),
		cmocka_unit_test(test_fs_events),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
