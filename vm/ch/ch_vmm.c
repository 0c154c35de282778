#include "ch_vmm.h"
#include "../../src/proto/local.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/fsutil.h"
#include "../../src/util/run.h"
#include "../../src/util/xalloc.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *from_config(void)
{
	char *dir = sbx_config_dir();
	char *p = dir ? xasprintf("%s/ch.conf", dir) : NULL;
	free(dir);
	FILE *f = p ? fopen(p, "r") : NULL;
	free(p);
	if (!f)
		return NULL;
	char line[4096], *found = NULL;
	while (!found && fgets(line, sizeof line, f)) {
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (strncmp(s, "binary", 6))
			continue;
		s += 6;
		while (isspace((unsigned char)*s) || *s == '=')
			s++;
		s[strcspn(s, "\r\n")] = 0;
		if (*s)
			found = xstrdup(s);
	}
	fclose(f);
	return found;
}

char *ch_binary(sbx_err *e)
{
	const char *env = getenv("SBX_CH_BINARY");
	char *bin = env && *env ? xstrdup(env) : from_config();
	if (bin) {
		if (access(bin, X_OK) == 0)
			return bin;
		sbx_error(e, "cloud-hypervisor binary %s (from %s) is not executable", bin,
			  env && *env ? "$SBX_CH_BINARY" : "ch.conf");
		free(bin);
		return NULL;
	}
	char *found = fsu_which("cloud-hypervisor");
	if (found)
		return found;
	sbx_error(e, "cloud-hypervisor is not installed: put the static binary from "
		     "https://github.com/cloud-hypervisor/cloud-hypervisor/releases (v50–v53) on PATH as "
		     "cloud-hypervisor, or set SBX_CH_BINARY; see docs/runtime-ch.md");
	return NULL;
}

int ch_binary_version(const char *bin, char *out, size_t n, sbx_err *e)
{
	char *argv[] = { (char *)bin, "--version", NULL };
	sbx_buf outb = SBX_BUF_INIT;
	char line[256] = "";
	if (run_capture(NULL, argv, &outb, NULL) == 0)
		snprintf(line, sizeof line, "%.*s", (int)strcspn(buf_cstr(&outb), "\n"), buf_cstr(&outb));
	buf_free(&outb);
	/* "cloud-hypervisor v53.0.0" (the fake adds " (fake)") */
	char *v = strstr(line, " v");
	ch_version cv;
	if (!v || ch_version_parse(v + 1, &cv) < 0)
		return sbx_error(e, "%s --version did not print a version ('%.80s'); is it cloud-hypervisor?", bin,
				 line);
	/* The whole rest of the line, so a build that says more than its
	 * number ("(fake)", "-dirty") never shares a snapshot store with the
	 * release. */
	size_t k = 0;
	for (const char *c = v + 1; *c && *c != '\n' && k + 1 < n && k < 40; c++) {
		if (*c == '(' || *c == ')' || *c == '\r')
			continue;
		out[k++] = (isalnum((unsigned char)*c) || *c == '.' || *c == '_') ? *c : '-';
	}
	out[k] = 0;
	if (cv.major < CH_MIN_MAJOR)
		return sbx_error(e, "%s is cloud-hypervisor %s; sbx needs v%d–v%d (see docs/runtime-ch.md)", bin, out,
				 CH_MIN_MAJOR, CH_MAX_MAJOR);
	return 0;
}

/* The log's last non-empty line (what a VMM that died said last). */
static void last_line(const char *path, char *out, size_t n)
{
	snprintf(out, n, "no output");
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (*line)
			snprintf(out, n, "%.*s", (int)n - 1, line);
	}
	fclose(f);
}

int ch_vmm_start(const char *bin, const char *dir, const vm_net *net, vm_proc *proc, ch_api *api, ch_version *v,
		 sbx_err *e)
{
	char *sock = xasprintf("%s/api.sock", dir), *log = xasprintf("%s/vmm.log", dir);
	char *arg = xasprintf("path=%s", sock);
	unlink(sock);
	const char *argv[] = { bin, "--api-socket", arg, NULL };
	ch_api_init(api, sock, log);
	int rc = vm_proc_spawn(argv, net, log, proc, e);
	/* Poll in short steps so a VMM that exits at once is reported at once. */
	int64_t end = now_ms() + 10000;
	while (rc == 0 && ch_api_wait(api, v, 200, e) < 0) {
		if (!vm_proc_alive(proc)) {
			char last[300];
			last_line(log, last, sizeof last);
			rc = sbx_error(e, "cloud-hypervisor (%s) exited at once: %s; see %s", bin, last, log);
		} else if (now_ms() >= end) {
			rc = sbx_error(e, "cloud-hypervisor did not answer on %s within 10 s; see %s", sock, log);
		}
	}
	if (rc == 0 && v->major < CH_MIN_MAJOR)
		rc = sbx_error(e, "cloud-hypervisor %s is too old; sbx needs v%d–v%d (docs/runtime-ch.md)", v->text,
			       CH_MIN_MAJOR, CH_MAX_MAJOR);
	if (rc < 0) {
		if (proc->pid > 0)
			vm_proc_kill(proc, NULL);
		ch_api_free(api);
	}
	free(sock);
	free(log);
	free(arg);
	return rc;
}

int ch_vmm_stop(vm_proc *proc, ch_api *api, sbx_err *e)
{
	sbx_err ignore;
	ch_api_put(api, "vmm.shutdown", NULL, 5000, &ignore);
	int64_t end = now_ms() + 5000;
	while (vm_proc_alive(proc) && now_ms() < end) {
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	int rc = vm_proc_alive(proc) ? vm_proc_kill(proc, e) : 0;
	proc->pid = 0;
	return rc;
}
