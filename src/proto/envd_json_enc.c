/* envd_json: response encoding and the stat → EntryInfo helper (see envd_json.h). */
#include "envd_json.h"
#include "jsontext.h"
#include "../util/b64.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *const file_types[] = {
	"FILE_TYPE_UNSPECIFIED", "FILE_TYPE_FILE", "FILE_TYPE_DIRECTORY", "FILE_TYPE_SYMLINK",
};
static const char *const event_types[] = {
	"EVENT_TYPE_UNSPECIFIED", "EVENT_TYPE_CREATE", "EVENT_TYPE_WRITE",
	"EVENT_TYPE_REMOVE", "EVENT_TYPE_RENAME", "EVENT_TYPE_CHMOD",
};

const char *envd_file_type_name(int t)
{
	return t >= 0 && t <= 3 ? file_types[t] : file_types[0];
}

const char *envd_event_type_name(int t)
{
	return t >= 0 && t <= 5 ? event_types[t] : event_types[0];
}

/* --- process events ------------------------------------------------------- */

/* Go's syscall.Signal.String() on Linux. */
static const char *const signal_strings[] = {
	[1] = "hangup", [2] = "interrupt", [3] = "quit", [4] = "illegal instruction",
	[5] = "trace/breakpoint trap", [6] = "aborted", [7] = "bus error",
	[8] = "floating point exception", [9] = "killed", [10] = "user defined signal 1",
	[11] = "segmentation fault", [12] = "user defined signal 2", [13] = "broken pipe",
	[14] = "alarm clock", [15] = "terminated", [16] = "stack fault", [17] = "child exited",
	[18] = "continued", [19] = "stopped (signal)", [20] = "stopped", [21] = "stopped (tty input)",
	[22] = "stopped (tty output)", [23] = "urgent I/O condition", [24] = "CPU time limit exceeded",
	[25] = "file size limit exceeded", [26] = "virtual timer expired",
	[27] = "profiling timer expired", [28] = "window changed", [29] = "I/O possible",
	[30] = "power failure", [31] = "bad system call",
};

void envd_end_from_wait(int ws, envd_end *out)
{
	memset(out, 0, sizeof *out);
	if (WIFEXITED(ws)) {
		out->exit_code = WEXITSTATUS(ws);
		out->exited = 1;
		snprintf(out->status, sizeof out->status, "exit status %d", out->exit_code);
	} else if (WIFSIGNALED(ws)) {
		int sig = WTERMSIG(ws);
		out->exit_code = -1;
		if (sig > 0 && sig < (int)(sizeof signal_strings / sizeof signal_strings[0]))
			snprintf(out->status, sizeof out->status, "signal: %s", signal_strings[sig]);
		else
			snprintf(out->status, sizeof out->status, "signal: signal %d", sig);
		if (WCOREDUMP(ws))
			strncat(out->status, " (core dumped)", sizeof out->status - strlen(out->status) - 1);
	} else {
		out->exit_code = -1;
		snprintf(out->status, sizeof out->status, "unknown wait status %#x", ws);
	}
	/* cmd.Wait() fails unless the process exited with 0. */
	if (!(out->exited && out->exit_code == 0))
		snprintf(out->error, sizeof out->error, "%s", out->status);
}

static json_t *event(const char *kind, json_t *body)
{
	return json_pack("{s:{s:o}}", "event", kind, body);
}

json_t *envd_ev_start(uint32_t pid)
{
	return event("start", json_pack("{s:I}", "pid", (json_int_t)pid));
}

json_t *envd_ev_data(int kind, const void *data, size_t len)
{
	static const char *const keys[] = { "stdout", "stderr", "pty" };
	char *b = b64_encode(data, len);
	json_t *j = event("data", json_pack("{s:s}", keys[kind >= 0 && kind <= 2 ? kind : 0], b));
	free(b);
	return j;
}

char *envd_ev_data_text(int kind, const void *data, size_t len, size_t *outlen)
{
	static const char *const keys[] = { "stdout", "stderr", "pty" };
	char *b = b64_encode(data, len);   /* base64 never needs JSON escapes */
	sbx_buf out = SBX_BUF_INIT;
	buf_grow(&out, strlen(b) + 40);
	buf_printf(&out, "{\"event\":{\"data\":{\"%s\":\"", keys[kind >= 0 && kind <= 2 ? kind : 0]);
	buf_puts(&out, b);
	buf_puts(&out, "\"}}}");
	free(b);
	*outlen = out.len;
	return buf_detach(&out);
}

json_t *envd_ev_end(const envd_end *end)
{
	json_t *o = json_object();
	/* protojson omits zero values; the SDK fills them in. */
	if (end->exit_code)
		json_object_set_new(o, "exitCode", json_integer(end->exit_code));
	if (end->exited)
		json_object_set_new(o, "exited", json_true());
	if (end->status[0])
		json_object_set_new(o, "status", json_text(end->status));
	if (end->error[0])
		json_object_set_new(o, "error", json_text(end->error));
	return event("end", o);
}

json_t *envd_ev_keepalive(void)
{
	return event("keepalive", json_object());
}

json_t *envd_proc_config_json(const envd_proc_config *c)
{
	json_t *o = json_object(), *args = json_array(), *envs = json_object();
	json_object_set_new(o, "cmd", json_text(c->cmd));
	for (size_t i = 0; i < c->nargs; i++)
		json_array_append_new(args, json_text(c->args[i]));
	json_object_set_new(o, "args", args);
	for (size_t i = 0; i < c->envs.n; i++) {
		json_t *v = json_text(c->envs.values[i]);
		/* jansson rejects non-UTF-8 keys; such a variable is left out. */
		if (json_object_set_new(envs, c->envs.keys[i], v) < 0)
			continue;
	}
	json_object_set_new(o, "envs", envs);
	if (c->cwd)
		json_object_set_new(o, "cwd", json_text(c->cwd));
	return o;
}

json_t *envd_process_info_json(const envd_proc_config *c, uint32_t pid, const char *tag)
{
	json_t *o = json_object();
	json_object_set_new(o, "config", envd_proc_config_json(c));
	json_object_set_new(o, "pid", json_integer(pid));
	if (tag)
		json_object_set_new(o, "tag", json_text(tag));
	return o;
}

/* --- EntryInfo ------------------------------------------------------------ */

void envd_perm_string(mode_t m, char out[32])
{
	/* Go's FileMode bits, most significant first: "dalTLDpSugct?". */
	size_t w = 0;
	switch (m & S_IFMT) {
	case S_IFDIR: out[w++] = 'd'; break;
	case S_IFLNK: out[w++] = 'L'; break;
	case S_IFBLK: out[w++] = 'D'; break;
	case S_IFCHR: out[w++] = 'D'; break;
	case S_IFIFO: out[w++] = 'p'; break;
	case S_IFSOCK: out[w++] = 'S'; break;
	default: break;
	}
	if (m & S_ISUID)
		out[w++] = 'u';
	if (m & S_ISGID)
		out[w++] = 'g';
	if ((m & S_IFMT) == S_IFCHR)
		out[w++] = 'c';
	if (m & S_ISVTX)
		out[w++] = 't';
	if (!w)
		out[w++] = '-';
	static const char rwx[] = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		out[w++] = m & (1u << (8 - i)) ? rwx[i] : '-';
	out[w] = '\0';
}

void envd_timestamp(const struct timespec *ts, char *out, size_t n)
{
	struct tm tm;
	char base[32], frac[16];
	time_t sec = ts->tv_sec;
	long ns = ts->tv_nsec;
	if (ns < 0 || ns >= 1000000000L)
		ns = 0;
	gmtime_r(&sec, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ns == 0)
		frac[0] = '\0';
	else if (ns % 1000000 == 0)
		snprintf(frac, sizeof frac, ".%03ld", ns / 1000000);
	else if (ns % 1000 == 0)
		snprintf(frac, sizeof frac, ".%06ld", ns / 1000);
	else
		snprintf(frac, sizeof frac, ".%09ld", ns);
	snprintf(out, n, "%s%sZ", base, frac);
}

static const char *base_name(const char *p, char *out, size_t n)
{
	size_t len = strlen(p);
	while (len > 1 && p[len - 1] == '/')
		len--;
	if (len == 1 && p[0] == '/') {
		snprintf(out, n, "/");
		return out;
	}
	size_t start = len;
	while (start && p[start - 1] != '/')
		start--;
	snprintf(out, n, "%.*s", (int)(len - start), p + start);
	return out;
}

static char *user_name(uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res)
		return xstrdup(res->pw_name);
	return xasprintf("%u", (unsigned)uid);
}

static char *group_name(gid_t gid)
{
	struct group gr, *res = NULL;
	char buf[4096];
	if (getgrgid_r(gid, &gr, buf, sizeof buf, &res) == 0 && res)
		return xstrdup(res->gr_name);
	return xasprintf("%u", (unsigned)gid);
}

static int entry_type(mode_t m)
{
	if (S_ISREG(m))
		return ENVD_FILE_FILE;
	if (S_ISDIR(m))
		return ENVD_FILE_DIRECTORY;
	if (S_ISLNK(m))
		return ENVD_FILE_SYMLINK;
	return ENVD_FILE_UNSPECIFIED;
}

#define XATTR_PREFIX "user.e2b."

static void read_metadata(const char *path, envd_kv *kv)
{
	ssize_t n = llistxattr(path, NULL, 0);
	if (n <= 0)
		return;
	char *names = xmalloc((size_t)n + 1);
	n = llistxattr(path, names, (size_t)n);
	for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
		const char *name = names + off;
		if (strncmp(name, XATTR_PREFIX, strlen(XATTR_PREFIX)) || !name[strlen(XATTR_PREFIX)])
			continue;
		ssize_t vl = lgetxattr(path, name, NULL, 0);
		if (vl < 0)
			continue;
		char *val = xmalloc((size_t)vl + 1);
		vl = lgetxattr(path, name, val, (size_t)vl);
		if (vl < 0) {
			free(val);
			continue;
		}
		val[vl] = '\0';
		kv_set(kv, name + strlen(XATTR_PREFIX), val);
		free(val);
	}
	free(names);
}

int envd_entry_stat(const char *fs_path, const char *report_path, envd_entry *en, sbx_err *e)
{
	struct stat st;
	char name[NAME_MAX + 2];
	memset(en, 0, sizeof *en);
	if (lstat(fs_path, &st) < 0)
		return sbx_error_errno(e, "cannot stat '%s'", report_path ? report_path : fs_path);
	if (!report_path)
		report_path = fs_path;
	en->name = xstrdup(base_name(report_path, name, sizeof name));
	en->path = xstrdup(report_path);
	en->size = (int64_t)st.st_size;
	en->type = entry_type(st.st_mode);
	en->mode = st.st_mode & 0777;
	envd_perm_string(st.st_mode, en->permissions);
	en->owner = user_name(st.st_uid);
	en->group = group_name(st.st_gid);
	en->mtime = st.st_mtim;
	if (S_ISLNK(st.st_mode)) {
		/* As envd: the resolved target, and the target's type and mode;
		 * a dangling link stays a plain symlink. */
		char *target = realpath(fs_path, NULL);
		struct stat tst;
		if (target && stat(target, &tst) == 0) {
			en->symlink_target = target;
			en->type = entry_type(tst.st_mode);
			en->mode = tst.st_mode & 0777;
		} else {
			free(target);
		}
	}
	read_metadata(fs_path, &en->metadata);
	return 0;
}

void envd_entry_free(envd_entry *en)
{
	free(en->name);
	free(en->path);
	free(en->owner);
	free(en->group);
	free(en->symlink_target);
	envd_kv_free(&en->metadata);
	memset(en, 0, sizeof *en);
}

json_t *envd_entry_json(const envd_entry *en)
{
	char ts[48], size[24];
	json_t *o = json_object();
	envd_timestamp(&en->mtime, ts, sizeof ts);
	snprintf(size, sizeof size, "%" PRId64, en->size);
	json_object_set_new(o, "name", json_text(en->name));
	json_object_set_new(o, "type", json_string(envd_file_type_name(en->type)));
	json_object_set_new(o, "path", json_text(en->path));
	json_object_set_new(o, "size", json_string(size));
	json_object_set_new(o, "mode", json_integer(en->mode));
	json_object_set_new(o, "permissions", json_string(en->permissions));
	json_object_set_new(o, "owner", json_text(en->owner));
	json_object_set_new(o, "group", json_text(en->group));
	json_object_set_new(o, "modifiedTime", json_string(ts));
	if (en->symlink_target)
		json_object_set_new(o, "symlinkTarget", json_text(en->symlink_target));
	if (en->metadata.n) {
		json_t *md = json_object();
		for (size_t i = 0; i < en->metadata.n; i++)
			json_text_set(md, en->metadata.keys[i], json_text(en->metadata.values[i]));
		json_object_set_new(o, "metadata", md);
	}
	return o;
}

/* --- watch events --------------------------------------------------------- */

json_t *envd_fs_event_json(const char *name, int type, const envd_entry *entry)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_text(name));
	json_object_set_new(o, "type", json_string(envd_event_type_name(type)));
	if (entry)
		json_object_set_new(o, "entry", envd_entry_json(entry));
	return o;
}

json_t *envd_watch_start(void)
{
	return json_pack("{s:{}}", "start");
}

json_t *envd_watch_event(json_t *ev)
{
	return json_pack("{s:o}", "filesystem", ev);
}

json_t *envd_watch_keepalive(void)
{
	return json_pack("{s:{}}", "keepalive");
}
