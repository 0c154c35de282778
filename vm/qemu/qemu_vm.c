/* qemu_vm: see qemu_vm.h. */
#include "qemu_vm.h"
#include "../../src/util/strv.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"
#include "../guest/guest.h"
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *qvm_log_tail(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xstrdup("");
	struct stat st;
	off_t from = 0;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size > max)
		from = st.st_size - (off_t)max;
	char *out = xcalloc(1, max + 1);
	ssize_t n = pread(fd, out, max, from);
	close(fd);
	if (n < 0)
		n = 0;
	out[n] = '\0';
	/* Whole lines only, control bytes other than LF shown as '?'. */
	char *start = out;
	if (from > 0 && strchr(out, '\n'))
		start = strchr(out, '\n') + 1;
	for (char *p = start; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			*p = '?';
	char *r = xstrdup(start);
	free(out);
	return r;
}

int qvm_path_ok(const char *path)
{
	if (path[0] != '/')
		return 0;
	for (const char *p = path; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("/._-+", *p)))
			return 0;
	return 1;
}

int qvm_start(const qemu_vm_cfg *c, const vm_net *net, const char *vmm_log, vm_proc *p, qmp *q, sbx_err *e)
{
	unlink(c->qmp_sock);
	char **argv = qemu_argv(c);
	int rc = vm_proc_spawn((const char *const *)argv, net, vmm_log, p, e);
	sbx_strv_free(argv);
	if (rc < 0)
		return -1;
	sbx_err qe;
	if (qmp_open(q, c->qmp_sock, 15000, &qe) == 0)
		return 0;
	char *tail = qvm_log_tail(vmm_log, 600);
	sbx_error(e, "QEMU did not come up (%s)%s%s", qe.msg, *tail ? "; its log ends: " : "", tail);
	free(tail);
	vm_proc_kill(p, NULL);
	return -1;
}

static int set_ignore_shared(qmp *q, sbx_err *e)
{
	json_t *caps = json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability", "x-ignore-shared", "state", 1);
	return qmp_exec(q, "migrate-set-capabilities", caps, 5000, NULL, e);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void write_progress(const char *file, uint64_t done, uint64_t total)
{
	char tmp[4200], line[64];
	if (!file || snprintf(tmp, sizeof tmp, "%s.tmp", file) >= (int)sizeof tmp)
		return;
	int n = snprintf(line, sizeof line, "%llu %llu\n", (unsigned long long)done, (unsigned long long)total);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	int ok = write(fd, line, (size_t)n) == n;
	close(fd);
	if (ok)
		rename(tmp, file);
	else
		unlink(tmp);
}

int qvm_save(qmp *q, const char *path, int ignore_shared, const char *progress_file, int timeout_ms, sbx_err *e)
{
	int64_t deadline = now_ms() + timeout_ms;
	if (!qvm_path_ok(path))
		return sbx_error(e, "cannot save a VM to %s: the path has characters QEMU's exec: URI cannot take", path);
	if (qmp_exec(q, "stop", NULL, 10000, NULL, e) < 0 || (ignore_shared && set_ignore_shared(q, e) < 0))
		return -1;
	char *uri = xasprintf("exec:cat > %s", path);
	int rc = qmp_exec(q, "migrate", json_pack("{s:s}", "uri", uri), 10000, NULL, e);
	free(uri);
	if (rc < 0)
		return -1;
	write_progress(progress_file, 0, 0);
	for (;;) {
		json_t *r;
		if (qmp_exec(q, "query-migrate", NULL, 10000, &r, e) < 0)
			return -1;
		const char *st = json_string_value(json_object_get(r, "status"));
		json_t *ram = json_object_get(r, "ram");
		uint64_t done = (uint64_t)json_integer_value(json_object_get(ram, "transferred"));
		uint64_t total = (uint64_t)json_integer_value(json_object_get(ram, "total"));
		if (st && !strcmp(st, "completed")) {
			json_decref(r);
			write_progress(progress_file, done, done);
			return 0;
		}
		if (st && (!strcmp(st, "failed") || !strcmp(st, "cancelled"))) {
			json_t *d = json_object_get(r, "error-desc");
			sbx_error(e, "QEMU could not write the VM's state to %s: %s", path,
				  json_is_string(d) ? json_string_value(d) : st);
			json_decref(r);
			return -1;
		}
		json_decref(r);
		write_progress(progress_file, done, total > done ? total : done);
		if (now_ms() > deadline) {
			qmp_exec(q, "migrate_cancel", NULL, 5000, NULL, NULL);
			return sbx_error(e, "writing the VM's state to %s took over %d s; is the disk full or slow?", path,
					 timeout_ms / 1000);
		}
		nap_ms(50);
	}
}

int qvm_load(qmp *q, const char *path, int ignore_shared, int timeout_ms, sbx_err *e)
{
	int64_t deadline = now_ms() + timeout_ms;
	if (!qvm_path_ok(path))
		return sbx_error(e, "cannot load a VM from %s: the path has characters QEMU's exec: URI cannot take", path);
	if (access(path, R_OK) < 0)
		return sbx_error_errno(e, "the VM's saved state %s is not readable", path);
	if (ignore_shared && set_ignore_shared(q, e) < 0)
		return -1;
	char *uri = xasprintf("exec:cat %s", path);
	int rc = qmp_exec(q, "migrate-incoming", json_pack("{s:s}", "uri", uri), 10000, NULL, e);
	free(uri);
	if (rc < 0)
		return -1;
	/* A failed load makes QEMU exit (QMP then reports it closed); a
	 * finished one leaves the VM as it was saved: paused. */
	for (;;) {
		json_t *r;
		if (qmp_exec(q, "query-status", NULL, 10000, &r, e) < 0)
			return -1;
		const char *st = json_string_value(json_object_get(r, "status"));
		int loading = st && !strcmp(st, "inmigrate");
		json_decref(r);
		if (!loading)
			break;
		if (now_ms() > deadline)
			return sbx_error(e, "loading the VM's state from %s took over %d s", path, timeout_ms / 1000);
		nap_ms(5);
	}
	return qmp_exec(q, "cont", NULL, 10000, NULL, e);
}

