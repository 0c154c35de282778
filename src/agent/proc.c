#include "proc.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PIPE_CHUNK (32 * 1024)
#define PTY_CHUNK (16 * 1024)
#define LAG_HIGH ((size_t)1 << 20)
#define LAG_LOW ((size_t)256 << 10)
#define BP_POLL_MS 20
#define DRAIN_MAX ((size_t)4 << 20)

struct src {
	int fd;      /* -1 once at EOF */
	int kind;    /* ENVD_OUT_* */
};

struct proc {
	struct envd_process *t;
	proc *next;
	pid_t pid;
	char *tag;
	envd_proc_config config;
	int pty;
	struct src out[2];          /* stdout or PTY, stderr */
	int in_fd;                  /* -1: none or closed */
	sbx_buf input;              /* queued stdin/PTY bytes */
	int close_after_input;
	int paused;
	int exited, wstatus;
	int ended;
	char *end_json;             /* the end event, kept for late Connects */
	rpc_stream **streams;
	size_t nstreams;
	rpc_stream *starter;
	int64_t grace_timer, expire_timer;
	int64_t deadline_timer;     /* the Start deadline, once its stream left */
};

static void proc_finish(proc *p);

/* --- streams -------------------------------------------------------------- */

static void detach(proc *p, rpc_stream *s)
{
	for (size_t i = 0; i < p->nstreams; i++) {
		if (p->streams[i] == s) {
			p->streams[i] = p->streams[--p->nstreams];
			break;
		}
	}
	if (p->starter == s)
		p->starter = NULL;
}

static void kill_group(pid_t pid, int sig)
{
	/* The process leads its own session: reach its background jobs too. */
	if (kill(-pid, sig) < 0)
		kill(pid, sig);
}

static int64_t on_deadline(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	proc *p = ud;
	p->deadline_timer = 0;
	if (!p->exited) {
		log_info("process %d: deadline of its Start request passed, killing it", (int)p->pid);
		kill_group(p->pid, SIGKILL);
	}
	return -1;
}

static void stream_gone(rpc_stream *s, int why, void *owner)
{
	proc *p = owner;
	/* Connect-Timeout-Ms of Start is the process's lifetime (envd's
	 * context.WithTimeout); a client that left does not kill it, but its
	 * deadline still does. */
	if (s == p->starter && !p->exited) {
		int64_t left = why == RPC_GONE_DEADLINE ? 0 : rpc_stream_deadline_left(s);
		if (left >= 0 && !p->deadline_timer)
			p->deadline_timer = loop_add_timer(p->t->a->loop, left, on_deadline, p);
	}
	detach(p, s);
}

static void broadcast(proc *p, int kind, const char *data, size_t len)
{
	size_t n;
	char *j = envd_ev_data_text(kind, data, len, &n);
	for (size_t i = 0; i < p->nstreams; i++)
		rpc_stream_send_raw(p->streams[i], j, n);
	free(j);
}

void proc_attach(proc *p, rpc_stream *s, int starter)
{
	rpc_stream_send(s, envd_ev_start((uint32_t)p->pid));
	if (p->ended) {
		rpc_stream_send_raw(s, p->end_json, strlen(p->end_json));
		rpc_stream_finish(s, NULL, NULL);
		return;
	}
	p->streams = xrealloc(p->streams, (p->nstreams + 1) * sizeof *p->streams);
	p->streams[p->nstreams++] = s;
	if (starter)
		p->starter = s;
	rpc_stream_set_owner(s, stream_gone, p);
}

/* --- output --------------------------------------------------------------- */

static void set_read(proc *p, int on)
{
	for (int i = 0; i < 2; i++)
		if (p->out[i].fd >= 0)
			loop_set_mask(p->t->a->loop, p->out[i].fd, on ? LOOP_READ : 0);
}

static size_t max_lag(proc *p)
{
	size_t m = 0;
	for (size_t i = 0; i < p->nstreams; i++) {
		size_t n = rpc_stream_pending(p->streams[i]);
		if (n > m)
			m = n;
	}
	return m;
}

static int64_t on_bp_poll(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	struct envd_process *t = ud;
	int still = 0;
	for (proc *p = t->head; p; p = p->next) {
		if (!p->paused)
			continue;
		if (max_lag(p) <= LAG_LOW) {
			p->paused = 0;
			set_read(p, 1);
		} else {
			still = 1;
		}
	}
	if (!still)
		t->bp_timer = 0;
	return still ? BP_POLL_MS : -1;
}

static void check_lag(proc *p)
{
	if (p->paused || max_lag(p) <= LAG_HIGH)
		return;
	p->paused = 1;
	set_read(p, 0);
	if (!p->t->bp_timer)
		p->t->bp_timer = loop_add_timer(p->t->a->loop, BP_POLL_MS, on_bp_poll, p->t);
}

static int all_eof(proc *p)
{
	return p->out[0].fd < 0 && p->out[1].fd < 0;
}

static void close_src(proc *p, struct src *s)
{
	loop_del_fd(p->t->a->loop, s->fd);
	close(s->fd);
	s->fd = -1;
}

/* One read; returns bytes read, 0 at EOF (fd closed), -1 when nothing is ready. */
static ssize_t read_once(proc *p, struct src *s)
{
	char buf[PIPE_CHUNK];
	ssize_t n = read(s->fd, buf, p->pty ? PTY_CHUNK : PIPE_CHUNK);
	if (n > 0) {
		if (p->nstreams)   /* nobody attached: the output is dropped */
			broadcast(p, s->kind, buf, (size_t)n);
		return n;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	/* EOF, or EIO from a PTY master whose slave side is gone. */
	close_src(p, s);
	return 0;
}

static void on_output(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)events;
	proc *p = ud;
	struct src *s = p->out[0].fd == fd ? &p->out[0] : &p->out[1];
	if (read_once(p, s) == 0 && p->exited && all_eof(p)) {
		proc_finish(p);
		return;
	}
	check_lag(p);
}

static void drain(proc *p)
{
	for (int i = 0; i < 2; i++) {
		size_t total = 0;
		ssize_t n = 1;
		while (p->out[i].fd >= 0 && total < DRAIN_MAX && (n = read_once(p, &p->out[i])) > 0)
			total += (size_t)n;
		if (p->out[i].fd >= 0)
			close_src(p, &p->out[i]);
	}
}

/* --- input ---------------------------------------------------------------- */

static void close_input(proc *p)
{
	if (p->in_fd < 0)
		return;
	loop_del_fd(p->t->a->loop, p->in_fd);
	close(p->in_fd);
	p->in_fd = -1;
	buf_free(&p->input);
	p->close_after_input = 0;
}

static void on_input(sbx_loop *l, int fd, int events, void *ud);

/* Writes what the fd takes now; keeps the rest for when it is writable. */
static int flush_input(proc *p)
{
	while (p->input.len) {
		ssize_t n = write(p->in_fd, p->input.data, p->input.len);
		if (n > 0) {
			buf_consume(&p->input, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			loop_add_fd(p->t->a->loop, p->in_fd, LOOP_WRITE, on_input, p);
			return 0;
		}
		int err = errno;
		close_input(p);   /* the process closed its end */
		errno = err;
		return -1;
	}
	loop_del_fd(p->t->a->loop, p->in_fd);
	if (p->close_after_input)
		close_input(p);
	return 0;
}

static void on_input(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)fd, (void)events;
	proc *p = ud;
	if (flush_input(p) < 0)
		log_debug("process %d: its input closed: %s", (int)p->pid, strerror(errno));
}

int proc_write(proc *p, int pty_input, const void *data, size_t len, const char **code, sbx_err *e)
{
	*code = "internal";
	if (pty_input && !p->pty)
		return sbx_error(e, "error writing to tty: tty not assigned to process %d", (int)p->pid);
	if (!pty_input && p->pty)
		return sbx_error(e, "error writing to stdin: process %d runs on a PTY; send input.pty", (int)p->pid);
	if (p->in_fd < 0 || p->close_after_input)
		return sbx_error(e, "error writing to stdin: stdin not enabled or closed "
				 "(start the process with stdin: true)");
	if (p->input.len + len > PROC_INPUT_MAX) {
		*code = "resource_exhausted";
		return sbx_error(e, "process %d is not reading its input: %zu bytes are already queued",
				 (int)p->pid, p->input.len);
	}
	int was_queued = p->input.len > 0;
	buf_append(&p->input, data, len);
	if (!was_queued && flush_input(p) < 0)
		return sbx_error_errno(e, "error writing to %s", p->pty ? "tty" : "stdin");
	return 0;
}

int proc_close_stdin(proc *p, const char **code, sbx_err *e)
{
	*code = "internal";
	if (p->pty)
		return sbx_error(e, "cannot close stdin of process %d: it runs on a PTY (send EOF, ^D, as input)",
				 (int)p->pid);
	if (p->in_fd < 0)
		return sbx_error(e, "stdin not enabled or closed for process %d", (int)p->pid);
	if (p->input.len)
		p->close_after_input = 1;   /* after the queued bytes went in */
	else
		close_input(p);
	return 0;
}

int proc_resize(proc *p, unsigned cols, unsigned rows, const char **code, sbx_err *e)
{
	*code = "internal";
	if (!p->pty || p->in_fd < 0)
		return sbx_error(e, "error resizing tty: tty not assigned to process %d", (int)p->pid);
	struct winsize ws = { .ws_col = (unsigned short)cols, .ws_row = (unsigned short)rows };
	if (ioctl(p->in_fd, TIOCSWINSZ, &ws) < 0)
		return sbx_error_errno(e, "error resizing tty of process %d", (int)p->pid);
	return 0;
}

int proc_signal(proc *p, int sig, const char **code, sbx_err *e)
{
	*code = "internal";
	(void)e;
	if (!p->exited)   /* once reaped, the pid may belong to someone else */
		kill_group(p->pid, sig);
	return 0;
}

/* --- exit and end --------------------------------------------------------- */

static int64_t on_expire(sbx_loop *l, int64_t id, void *ud);

static void unlink_proc(proc *p)
{
	for (proc **pp = &p->t->head; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
}

static void proc_destroy(proc *p)
{
	sbx_loop *l = p->t->a->loop;
	unlink_proc(p);
	for (int i = 0; i < 2; i++)
		if (p->out[i].fd >= 0)
			close_src(p, &p->out[i]);
	close_input(p);
	if (p->grace_timer)
		loop_del_timer(l, p->grace_timer);
	if (p->expire_timer)
		loop_del_timer(l, p->expire_timer);
	if (p->deadline_timer)
		loop_del_timer(l, p->deadline_timer);
	envd_proc_config_free(&p->config);
	free(p->tag);
	free(p->end_json);
	free(p->streams);
	buf_free(&p->input);
	free(p);
}

/* Output is complete: send the end event to everyone and keep it a while. */
static void proc_finish(proc *p)
{
	envd_end end;
	if (p->ended)
		return;
	if (p->grace_timer) {
		loop_del_timer(p->t->a->loop, p->grace_timer);
		p->grace_timer = 0;
	}
	drain(p);
	close_input(p);
	envd_end_from_wait(p->wstatus, &end);
	json_t *ev = envd_ev_end(&end);
	p->end_json = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	p->ended = 1;
	p->paused = 0;
	for (size_t i = 0; i < p->nstreams; i++) {
		rpc_stream_send_raw(p->streams[i], p->end_json, strlen(p->end_json));
		rpc_stream_finish(p->streams[i], NULL, NULL);
	}
	p->nstreams = 0;
	p->starter = NULL;
	p->expire_timer = loop_add_timer(p->t->a->loop, PROC_END_KEEP_MS, on_expire, p);
}

static int64_t on_expire(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	proc *p = ud;
	p->expire_timer = 0;
	proc_destroy(p);
	return -1;
}

static int64_t on_grace(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	proc *p = ud;
	p->grace_timer = 0;
	/* Something else (a background job) still holds the output open. */
	proc_finish(p);
	return -1;
}

static void proc_exited(agent *a, pid_t pid, int status, void *ud)
{
	(void)a, (void)pid;
	proc *p = ud;
	p->exited = 1;
	p->wstatus = status;
	if (all_eof(p))
		proc_finish(p);
	else
		p->grace_timer = loop_add_timer(p->t->a->loop, PROC_EXIT_GRACE_MS, on_grace, p);
}

/* --- table ---------------------------------------------------------------- */

proc *proc_start(struct envd_process *t, const proc_spawn_req *req, envd_proc_config *config,
		 const char *tag, const char **code, sbx_err *e)
{
	proc_io io;
	int bad;
	if (proc_spawn(t->a, req, &io, &bad, e) < 0) {
		*code = bad ? "invalid_argument" : "internal";
		return NULL;
	}
	proc *p = xcalloc(1, sizeof *p);
	p->t = t;
	p->pid = io.pid;
	p->tag = tag ? xstrdup(tag) : NULL;
	p->config = *config;
	memset(config, 0, sizeof *config);
	free(p->config.cwd);
	p->config.cwd = xstrdup(req->cwd);
	p->pty = req->pty;
	p->out[0] = (struct src){ io.out_fd, req->pty ? ENVD_OUT_PTY : ENVD_OUT_STDOUT };
	p->out[1] = (struct src){ io.err_fd, ENVD_OUT_STDERR };
	p->in_fd = io.in_fd;
	buf_init(&p->input);
	p->next = t->head;
	t->head = p;
	for (int i = 0; i < 2; i++)
		if (p->out[i].fd >= 0)
			loop_add_fd(t->a->loop, p->out[i].fd, LOOP_READ, on_output, p);
	children_watch(t->a, io.pid, proc_exited, p);
	log_debug("process %d started: %s", (int)io.pid, p->config.cmd);
	return p;
}

proc *proc_find(struct envd_process *t, int kind, uint32_t pid, const char *tag, int include_ended)
{
	for (proc *p = t->head; p; p = p->next) {
		if (p->ended && !include_ended)
			continue;
		if (kind == ENVD_SEL_PID && (uint32_t)p->pid == pid)
			return p;
		if (kind == ENVD_SEL_TAG && p->tag && tag && !strcmp(p->tag, tag))
			return p;
	}
	return NULL;
}

void proc_list(struct envd_process *t, json_t *arr)
{
	for (proc *p = t->head; p; p = p->next)
		if (!p->ended)
			json_array_append_new(arr, envd_process_info_json(&p->config, (uint32_t)p->pid, p->tag));
}

void proc_table_free(struct envd_process *t)
{
	if (t->bp_timer)
		loop_del_timer(t->a->loop, t->bp_timer);
	t->bp_timer = 0;
	while (t->head) {
		proc *p = t->head;
		if (!p->exited) {
			children_unwatch(t->a, p->pid);
			kill_group(p->pid, SIGKILL);
		}
		for (size_t i = 0; i < p->nstreams; i++)
			rpc_stream_finish(p->streams[i], "unavailable", "the sandbox agent is shutting down");
		p->nstreams = 0;
		proc_destroy(p);
	}
}
