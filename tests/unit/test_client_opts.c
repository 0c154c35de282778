/* The sbx commands' argument parsing (src/cli/cmd_opts.c), result
 * rendering (src/cli/cmd_run_render.c) and runtime/progress display
 * (src/cli/cmd_show.c, with libsbx's parsing of sbxd's fields), linked in
 * by the Makefile. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/cli/cmd_opts.h"
#include "../../src/cli/cmd_run_render.h"
#include "../../src/cli/cmd_show.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))

static void test_values(void **state)
{
	(void)state;
	int v;
	sbx_err e;
	assert_int_equal(opt_seconds("90", &v, &e), 0), assert_int_equal(v, 90);
	assert_int_equal(opt_seconds("5m", &v, &e), 0), assert_int_equal(v, 300);
	assert_int_equal(opt_seconds("1h30m", &v, &e), 0), assert_int_equal(v, 5400);
	assert_int_equal(opt_seconds("2d", &v, &e), 0), assert_int_equal(v, 172800);
	assert_int_equal(opt_seconds("0", &v, &e), -1);
	assert_int_equal(opt_seconds("5x", &v, &e), -1);
	assert_int_equal(opt_seconds("400d", &v, &e), -1);
	assert_int_equal(opt_memory_mb("512", &v, &e), 0), assert_int_equal(v, 512);
	assert_int_equal(opt_memory_mb("2G", &v, &e), 0), assert_int_equal(v, 2048);
	assert_int_equal(opt_memory_mb("10", &v, &e), -1);
	assert_int_equal(opt_memory_mb("1T", &v, &e), -1);
	sbx_kv *kv = NULL;
	size_t n = 0;
	assert_int_equal(opt_kv("A=b=c", "--env", &kv, &n, &e), 0);
	assert_int_equal(opt_kv("E=", "--env", &kv, &n, &e), 0);
	assert_int_equal(opt_kv("=x", "--env", &kv, &n, &e), -1);
	assert_int_equal(opt_kv("nokey", "--meta", &kv, &n, &e), -1);
	assert_non_null(strstr(e.msg, "--meta 'nokey'"));
	assert_int_equal(n, 2);
	assert_string_equal(kv[0].key, "A"), assert_string_equal(kv[0].value, "b=c");
	assert_string_equal(kv[1].value, "");
	opt_kv_free(kv, n);
}

static void test_shell_join(void **state)
{
	(void)state;
	char *s = opt_shell_join(ARGV("echo $HOME | wc"), 1);
	assert_string_equal(s, "echo $HOME | wc");   /* one argument: a command line */
	free(s);
	s = opt_shell_join(ARGV("printf", "%s\n", "it's", "a b", ""), 5);
	assert_string_equal(s, "printf '%s\n' 'it'\\''s' 'a b' ''");
	free(s);
	s = opt_shell_join(ARGV("ls", "-la", "/tmp"), 3);
	assert_string_equal(s, "ls -la /tmp");
	free(s);
}

static void test_create(void **state)
{
	(void)state;
	create_args a;
	sbx_err e;
	char **argv = ARGV("create", "--template", "code-interpreter", "--timeout", "2m", "--env", "A=1", "--env", "B=2",
			   "--meta", "who=me", "--cpus", "2", "--memory", "1G", "--no-internet", "--json", "--runtime", "ns");
	assert_int_equal(parse_create(ARGC("create", "--template", "code-interpreter", "--timeout", "2m", "--env", "A=1",
					   "--env", "B=2", "--meta", "who=me", "--cpus", "2", "--memory", "1G",
					   "--no-internet", "--json", "--runtime", "ns"),
				      argv, &a, &e),
			 0);
	assert_string_equal(a.template_id, "code-interpreter");
	assert_int_equal(a.timeout_s, 120);
	assert_int_equal(a.nenv, 2);
	assert_string_equal(a.env[1].key, "B");
	assert_int_equal(a.nmeta, 1);
	assert_int_equal(a.cpus, 2);
	assert_int_equal(a.memory_mb, 1024);
	assert_true(a.no_internet);
	assert_true(a.json);
	assert_string_equal(a.runtime, "ns");
	create_args_free(&a);
	/* a lone template name; options after it still count */
	assert_int_equal(parse_create(3, ARGV("create", "base", "--json"), &a, &e), 0);
	assert_string_equal(a.template_id, "base");
	assert_true(a.json);
	create_args_free(&a);
	assert_int_equal(parse_create(3, ARGV("create", "--cpus", "0"), &a, &e), -1);
	assert_non_null(strstr(e.msg, "--cpus"));
	create_args_free(&a);
	assert_int_equal(parse_create(2, ARGV("create", "--bogus"), &a, &e), -1);
	create_args_free(&a);
	assert_int_equal(parse_create(2, ARGV("create", "--help"), &a, &e), -1);
	assert_string_equal(e.msg, OPT_HELP);
	create_args_free(&a);
}

static void test_exec(void **state)
{
	(void)state;
	exec_args a;
	sbx_err e;
	/* CMD's own options stay CMD's */
	assert_int_equal(parse_exec(7, ARGV("exec", "-t", "--env", "A=1", "abc", "ls", "-la"), &a, &e), 0);
	assert_true(a.tty);
	assert_string_equal(a.id, "abc");
	assert_int_equal(a.ncmd, 2);
	assert_string_equal(a.cmd[1], "-la");
	assert_int_equal(a.nenv, 1);
	assert_string_equal(a.env[0], "A=1");
	assert_null(a.env[1]);
	exec_args_free(&a);
	assert_int_equal(parse_exec(6, ARGV("exec", "abc", "--", "echo", "-n", "x"), &a, &e), 0);
	assert_false(a.tty);
	assert_int_equal(a.ncmd, 3);
	assert_string_equal(a.cmd[0], "echo");
	exec_args_free(&a);
	/* -t alone: a login shell */
	assert_int_equal(parse_exec(3, ARGV("exec", "-t", "abc"), &a, &e), 0);
	assert_int_equal(a.ncmd, 0);
	exec_args_free(&a);
	assert_int_equal(parse_exec(2, ARGV("exec", "abc"), &a, &e), -1);
	assert_non_null(strstr(e.msg, "no command"));
	exec_args_free(&a);
	assert_int_equal(parse_exec(1, ARGV("exec"), &a, &e), -1);
	exec_args_free(&a);
	assert_int_equal(parse_exec(5, ARGV("exec", "--timeout", "1m", "abc", "true"), &a, &e), 0);
	assert_int_equal(a.timeout_ms, 60000);
	exec_args_free(&a);
	/* options after the id, as README writes it: `sbx exec ID -t -- bash` */
	assert_int_equal(parse_exec(5, ARGV("exec", "abc", "-t", "--", "bash"), &a, &e), 0);
	assert_true(a.tty);
	assert_string_equal(a.id, "abc");
	assert_int_equal(a.ncmd, 1);
	assert_string_equal(a.cmd[0], "bash");
	exec_args_free(&a);
	/* a second "--" after the options' end is the command's */
	assert_int_equal(parse_exec(6, ARGV("exec", "abc", "-t", "--", "--", "x"), &a, &e), 0);
	assert_int_equal(a.ncmd, 2);
	assert_string_equal(a.cmd[0], "--");
	exec_args_free(&a);
	/* after the id, CMD's own options still stay CMD's */
	assert_int_equal(parse_exec(6, ARGV("exec", "abc", "-w", "/tmp", "ls", "-t"), &a, &e), 0);
	assert_string_equal(a.cwd, "/tmp");
	assert_false(a.tty);
	assert_int_equal(a.ncmd, 2);
	assert_string_equal(a.cmd[1], "-t");
	exec_args_free(&a);
}

static void test_run(void **state)
{
	(void)state;
	run_args a;
	sbx_err e;
	assert_int_equal(parse_run(6, ARGV("run", "abc", "-c", "print(1)", "--out", "/tmp/o"), &a, &e), 0);
	assert_string_equal(a.id, "abc");
	assert_string_equal(a.code, "print(1)");
	assert_string_equal(a.out_dir, "/tmp/o");
	assert_int_equal(parse_run(5, ARGV("run", "abc", "f.py", "--context", "c1"), &a, &e), 0);
	assert_string_equal(a.file, "f.py");
	assert_string_equal(a.context, "c1");
	assert_int_equal(parse_run(2, ARGV("run", "abc"), &a, &e), -1);
	assert_non_null(strstr(e.msg, "nothing to run"));
	assert_int_equal(parse_run(5, ARGV("run", "abc", "-c", "x", "f.py"), &a, &e), -1);
	assert_int_equal(parse_run(7, ARGV("run", "abc", "-c", "x", "--context", "c", "--language=r"), &a, &e), -1);
	assert_int_equal(parse_run(3, ARGV("run", "abc", "--list-contexts"), &a, &e), 0);
	assert_true(a.list_contexts);
}

static void test_render(void **state)
{
	(void)state;
	char s[512];
	json_t *bar = json_loads("{\"type\":\"bar\",\"title\":\"Sales\",\"x_label\":\"month\",\"y_label\":\"units\","
				 "\"elements\":[{\"label\":\"a\",\"group\":\"g\",\"value\":1},"
				 "{\"label\":\"b\",\"group\":\"g\",\"value\":2.5}]}",
				 0, NULL);
	render_chart(bar, s, sizeof s);
	assert_string_equal(s, "bar chart 'Sales': x 'month' y 'units'; 2 elements: a=1, b=2.5");
	json_decref(bar);
	json_t *line = json_loads("{\"type\":\"line\",\"title\":null,\"elements\":[{\"label\":\"Line 1\","
				  "\"points\":[[0,1],[1,2],[2,3]]}]}",
				  0, NULL);
	render_chart(line, s, sizeof s);
	assert_string_equal(s, "line chart; 1 element: Line 1 (3 points)");
	json_decref(line);
	static const unsigned char png[24] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
					       'I', 'H', 'D', 'R', 0, 0, 2, 0x80, 0, 0, 1, 0xe0 };
	unsigned w, h;
	assert_int_equal(render_png_size(png, sizeof png, &w, &h), 1);
	assert_int_equal(w, 640);
	assert_int_equal(h, 480);
	assert_int_equal(render_png_size((const unsigned char *)"GIF89a", 6, &w, &h), 0);
}

/* sbxd's sandbox JSON: runtime, accel, sbxProgress → what sbx prints. */
static void test_show_sandbox(void **state)
{
	(void)state;
	char out[160];
	sbx_info in;
	json_t *j = json_loads("{\"sandboxID\":\"abc\",\"runtime\":\"qemu\",\"accel\":\"tcg\",\"state\":\"pausing\","
			       "\"sbxProgress\":{\"op\":\"pausing\",\"done\":268435456,\"total\":536870912}}", 0, NULL);
	assert_int_equal(sbx_info_parse(j, &in, NULL), 0);
	assert_string_equal(in.accel, "tcg");
	assert_string_equal(in.progress_op, "pausing");
	assert_true(in.progress_done == 268435456 && in.progress_total == 536870912);
	cli_runtime_text(&in, out, sizeof out);
	assert_string_equal(out, "qemu/tcg");
	cli_progress_text(&in, out, sizeof out);
	assert_string_equal(out, "pausing: 50% (256.0 of 512.0 MiB)");
	sbx_info_clear(&in);
	json_decref(j);
	/* ns: no accelerator (null), no progress; total unknown; hostile numbers */
	j = json_loads("{\"sandboxID\":\"abc\",\"runtime\":\"ns\",\"accel\":null}", 0, NULL);
	assert_int_equal(sbx_info_parse(j, &in, NULL), 0);
	cli_runtime_text(&in, out, sizeof out);
	assert_string_equal(out, "ns");
	cli_progress_text(&in, out, sizeof out);
	assert_string_equal(out, "");
	sbx_info_clear(&in);
	json_decref(j);
	j = json_loads("{\"sandboxID\":\"abc\",\"sbxProgress\":{\"op\":\"resuming\",\"done\":1048576,\"total\":0}}", 0,
		       NULL);
	assert_int_equal(sbx_info_parse(j, &in, NULL), 0);
	cli_runtime_text(&in, out, sizeof out);
	assert_string_equal(out, "-");
	cli_progress_text(&in, out, sizeof out);
	assert_string_equal(out, "resuming: 1.0 MiB");
	sbx_info_clear(&in);
	json_decref(j);
	j = json_loads("{\"sandboxID\":\"abc\",\"sbxProgress\":{\"op\":\"pausing\",\"done\":-5,\"total\":\"x\"}}", 0, NULL);
	assert_int_equal(sbx_info_parse(j, &in, NULL), 0);
	cli_progress_text(&in, out, sizeof out);
	assert_string_equal(out, "pausing");
	sbx_info_clear(&in);
	json_decref(j);
}

/* sbxd's /health runtimes → sbx runtimes; an older sbxd has only runtime. */
static void test_show_runtimes(void **state)
{
	(void)state;
	sbx_health h;
	char *text = NULL;
	size_t len = 0;
	json_t *j = json_loads(
		"{\"status\":\"ok\",\"pid\":7,\"sandboxes\":2,\"runtime\":\"ns\",\"defaultRuntime\":\"ns\",\"runtimes\":["
		"{\"name\":\"ch\",\"available\":false,\"reason\":\"cloud-hypervisor is not installed\",\"accel\":null,"
		"\"auto\":false,\"default\":false},"
		"{\"name\":\"qemu\",\"available\":true,\"reason\":null,\"accel\":\"tcg\",\"auto\":false,\"default\":false},"
		"{\"name\":\"ns\",\"available\":true,\"reason\":null,\"accel\":null,\"auto\":true,\"default\":true},"
		"{\"available\":true},7]}",
		0, NULL);
	assert_int_equal(sbx_health_parse(j, &h, NULL), 0);
	assert_int_equal(h.pid, 7);
	assert_string_equal(h.default_runtime, "ns");
	assert_int_equal(h.nruntimes, 3);
	assert_false(h.runtimes[0].available);
	assert_string_equal(h.runtimes[1].accel, "tcg");
	assert_true(h.runtimes[2].is_auto && h.runtimes[2].is_default);
	FILE *f = open_memstream(&text, &len);
	cli_runtimes_print(f, &h);
	fclose(f);
	assert_non_null(strstr(text, "\nch       no        -      cloud-hypervisor is not installed\n"));
	assert_non_null(strstr(text, "\nqemu     yes       tcg    emulated (no KVM): only by name\n"));
	assert_non_null(strstr(text, "\nns       yes       -      auto picks it; the default\n"));
	free(text);
	sbx_health_clear(&h);
	json_decref(j);
	j = json_loads("{\"status\":\"ok\",\"runtime\":\"ns\"}", 0, NULL);
	assert_int_equal(sbx_health_parse(j, &h, NULL), 0);
	assert_string_equal(h.default_runtime, "ns");
	assert_int_equal(h.nruntimes, 0);
	sbx_health_clear(&h);
	json_decref(j);
	assert_int_equal(sbx_health_parse(json_null(), &h, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values), cmocka_unit_test(test_shell_join), cmocka_unit_test(test_create),
		cmocka_unit_test(test_exec),   cmocka_unit_test(test_run),        cmocka_unit_test(test_render),
		cmocka_unit_test(test_show_sandbox), cmocka_unit_test(test_show_runtimes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
