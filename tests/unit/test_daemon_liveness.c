/*
 * sbxd's liveness (src/daemon/liveness.h) with a stand-in runtime ("fake")
 * whose sandboxes are only state: alive() is whether <dir>/alive exists,
 * watch() a pipe the test writes to (the pidfd of the ns driver), and
 * "fakepoll" has no watch, so only the backstop poll sees its deaths.
 * Records are written into the state dir and adopted by sbxd_new, as after
 * a restart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/daemon/daemon_int.h"
#include "../../src/daemon/liveness.h"
#include "../../src/daemon/sandbox.h"
#include "../../src/daemon/sbxd.h"
#include "../../src/daemon/store.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"

struct rt_sandbox {
	char *dir;
};

static int watch_pipe[2] = { -1, -1 };   /* the fake pidfd, for one sandbox */

static int fake_available(sbx_err *e)
{
	(void)e;
	return 1;
}

static int fake_create(const rt_spec *spec, rt_sandbox **out, sbx_err *e)
{
	(void)spec, (void)out;
	return sbx_error(e, "the fake runtime only adopts");
}

static int fake_adopt(const char *dir, rt_sandbox **out, sbx_err *e)
{
	(void)e;
	*out = xcalloc(1, sizeof **out);
	(*out)->dir = xstrdup(dir);
	return 0;
}

static const char *fake_addr(rt_sandbox *s)
{
	(void)s;
	return "unix:/nonexistent/sbx-test/agent.sock";
}

static int fake_alive(rt_sandbox *s)
{
	char *p = xasprintf("%s/alive", s->dir);
	int ok = access(p, F_OK) == 0;
	free(p);
	return ok;
}

static int fake_watch(rt_sandbox *s)
{
	(void)s;
	return watch_pipe[0] >= 0 ? dup(watch_pipe[0]) : -1;
}

static int fake_ok(rt_sandbox *s, sbx_err *e)
{
	(void)s, (void)e;
	return 0;
}

static int fake_stats(rt_sandbox *s, rt_stats *st, sbx_err *e)
{
	(void)s, (void)st;
	return sbx_error(e, "no stats");
}

static void fake_release(rt_sandbox *s)
{
	free(s->dir);
	free(s);
}

static int fake_destroy(rt_sandbox *s, sbx_err *e)
{
	(void)e;
	fake_release(s);
	return 0;
}

static const runtime_ops fake_rt = {
	.name = "fake", .available = fake_available, .create = fake_create, .adopt = fake_adopt,
	.agent_addr = fake_addr, .alive = fake_alive, .watch = fake_watch, .pause = fake_ok, .resume = fake_ok,
	.stats = fake_stats, .destroy = fake_destroy, .release = fake_release,
};
static const runtime_ops poll_rt = {
	.name = "fakepoll", .available = fake_available, .create = fake_create, .adopt = fake_adopt,
	.agent_addr = fake_addr, .alive = fake_alive, .pause = fake_ok, .resume = fake_ok,
	.stats = fake_stats, .destroy = fake_destroy, .release = fake_release,
};
static const runtime_ops *const fake_rts[] = { &fake_rt, &poll_rt, NULL };

struct fx {
	char dir[64];
	char *sb_dir;
	sbx_loop *loop;
	sbxd *d;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/sbx-test-live.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->sb_dir = xasprintf("%s/sandboxes", f->dir);
	assert_int_equal(mkdir(f->sb_dir, 0700), 0);
	f->loop = loop_new();
	assert_int_equal(pipe(watch_pipe), 0);
	signal(SIGPIPE, SIG_IGN);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f->d) {
		while (f->d->boxes)
			sbox_kill(f->d->boxes, "test teardown", NULL, NULL);
		sbxd_free(f->d);
	}
	loop_free(f->loop);
	close(watch_pipe[0]);
	close(watch_pipe[1]);
	watch_pipe[0] = watch_pipe[1] = -1;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f->sb_dir);
	free(f);
	return 0;
}

/* A record for the next sbxd to adopt; alive: its <dir>/alive exists. */
static void put(struct fx *f, const char *id, const char *runtime, sb_state st, int alive, int64_t dead_at,
		int64_t end_at)
{
	sbxd_record r = { 0 };
	sbx_err e;
	snprintf(r.id, sizeof r.id, "%s", id);
	r.template_id = xstrdup("base");
	r.alias = xstrdup("base");
	r.template_dir = xstrdup("/nonexistent/templates/base");
	r.runtime = xstrdup(runtime);
	r.token = xstrdup("tok");
	r.started_at = wall_ms() - 60000;
	r.end_at = end_at;
	r.timeout_s = 300;
	r.state = st;
	if (st == SB_DEAD) {
		r.dead_reason = xstrdup("it was killed in an earlier life");
		r.dead_at = dead_at;
	}
	char *rt = store_rt_dir(f->sb_dir, id), *alive_file = xasprintf("%s/alive", rt);
	assert_int_equal(mkdir(rt, 0700), 0);
	if (alive)
		close(open(alive_file, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(store_save(f->sb_dir, &r, &e), 0);
	free(alive_file);
	free(rt);
	record_free(&r);
}

static void kill_from_outside(struct fx *f, const char *id)
{
	char *rt = store_rt_dir(f->sb_dir, id), *alive_file = xasprintf("%s/alive", rt);
	assert_int_equal(unlink(alive_file), 0);
	free(alive_file);
	free(rt);
}

static void start(struct fx *f)
{
	sbxd_opts o = {
		.listen = "tcp:127.0.0.1:0", .state_dir = f->dir, .runtime = "fake", .api_key = "k",
		.runtimes = fake_rts,
	};
	sbx_err e;
	f->d = sbxd_new(f->loop, &o, &e);
	if (!f->d)
		fail_msg("sbxd_new: %s", e.msg);
}

/* Runs the loop until id's state is want (or it is gone, want < 0), at most ms. */
static int run_until(struct fx *f, const char *id, int want, int64_t ms)
{
	int64_t end = now_ms() + ms;
	while (now_ms() < end) {
		sbox *sb = sbox_find(f->d, id);
		if (want < 0 ? !sb : sb && (int)sb->rec.state == want)
			return 1;
		loop_once(f->loop, 50);
	}
	return 0;
}

static void expect_saved_state(struct fx *f, const char *id, sb_state want)
{
	sbxd_record r;
	sbx_err e;
	assert_int_equal(store_load(f->sb_dir, id, &r, &e), 0);
	assert_int_equal(r.state, want);
	record_free(&r);
}

/* The watch fd fires: dead at once, with why, saved; calls are refused. */
static void test_watch_fd(void **state)
{
	struct fx *f = *state;
	put(f, "watched1", "fake", SB_PAUSED, 1, 0, wall_ms() + 300000);
	start(f);
	sbox *sb = sbox_find(f->d, "watched1");
	assert_non_null(sb);
	assert_true(sb->watch_fd >= 0);
	kill_from_outside(f, "watched1");
	assert_int_equal(write(watch_pipe[1], "x", 1), 1);
	assert_true(run_until(f, "watched1", SB_DEAD, 2000));
	sb = sbox_find(f->d, "watched1");
	assert_string_equal(sb->rec.dead_reason, "its init (the agent) exited or was killed outside sbxd");
	assert_int_equal(sb->watch_fd, -1);
	expect_saved_state(f, "watched1", SB_DEAD);
	sbx_err e;
	assert_int_equal(sbox_resume(sb, 60, &e), -1);
	assert_non_null(strstr(e.msg, "sandbox watched1's agent died (its init"));
	assert_non_null(strstr(e.msg, "sbx kill watched1"));
	assert_int_equal(sbox_pause(sb, &e), -1);
	assert_non_null(strstr(e.msg, "agent died"));
}

/* No watch fd: the backstop poll sees it within LIVENESS_POLL_MS. */
static void test_backstop(void **state)
{
	struct fx *f = *state;
	put(f, "polled1", "fakepoll", SB_PAUSED, 1, 0, wall_ms() + 300000);
	start(f);
	assert_int_equal(sbox_find(f->d, "polled1")->watch_fd, -1);
	kill_from_outside(f, "polled1");
	assert_int_equal(sbox_find(f->d, "polled1")->rec.state, SB_PAUSED);
	assert_true(run_until(f, "polled1", SB_DEAD, LIVENESS_POLL_MS + 2000));
	assert_non_null(strstr(sbox_find(f->d, "polled1")->rec.dead_reason, "its processes are gone"));
}

/* liveness_check: what the proxy asks when it cannot reach the agent. */
static void test_check(void **state)
{
	struct fx *f = *state;
	put(f, "checked1", "fakepoll", SB_PAUSED, 1, 0, wall_ms() + 300000);
	start(f);
	sbox *sb = sbox_find(f->d, "checked1");
	assert_int_equal(liveness_check(sb), 1);
	kill_from_outside(f, "checked1");
	assert_int_equal(liveness_check(sb), 0);
	assert_int_equal(sb->rec.state, SB_DEAD);
	assert_int_equal(liveness_check(sb), 0);
}

/* A dead record stays dead across a restart until max(endAt, death +
 * SBOX_DEAD_KEEP_MS); then it is torn down with its files. */
static void test_dead_record_expiry(void **state)
{
	struct fx *f = *state;
	int64_t now = wall_ms();
	put(f, "keep1", "fake", SB_DEAD, 0, now - 1000, now - 1000);   /* died just now, endAt past */
	put(f, "old1", "fake", SB_DEAD, 0, now - SBOX_DEAD_KEEP_MS - 1000, now - 1000);
	start(f);
	assert_true(run_until(f, "old1", -1, 3000));
	char *p = xasprintf("%s/old1.json", f->sb_dir);
	for (int i = 0; i < 100 && access(p, F_OK) == 0; i++)   /* torn down in a job */
		loop_once(f->loop, 50);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
	sbox *sb = sbox_find(f->d, "keep1");
	assert_non_null(sb);
	assert_int_equal(sb->rec.state, SB_DEAD);
	assert_string_equal(sb->rec.dead_reason, "it was killed in an earlier life");
	assert_int_equal(sb->watch_fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_watch_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_record_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backstop, setup, teardown),
	};
	return cmocka_run_group_tests_name("daemon_liveness", tests, NULL, NULL);
}
