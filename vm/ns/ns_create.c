#include "ns_sandbox.h"
#include "ns_launch.h"
#include "ns_net.h"
#include "ns_snap.h"
#include "ns_uid.h"
#include "ns_util.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int valid_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 63)       /* it is the hostname too */
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789") == n;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The template's rootfs, the host's agent binary when the rootfs has none,
 * and whether the rootfs ships the agent's Python helpers. */
static int find_rootfs(const char *template_dir, const char *agent_bin, char **rootfs, char **agent_src,
		       int *rootfs_has_python, sbx_err *e)
{
	char tmp[PATH_MAX + 64];
	snprintf(tmp, sizeof tmp, "%s/rootfs", template_dir ? template_dir : "");
	if (!template_dir || !(*rootfs = realpath(tmp, NULL)) || !is_dir(*rootfs))
		return sbx_error(e, "template %s has no rootfs/ directory; build it first (sbx template build)",
				 template_dir ? template_dir : "(none)");
	snprintf(tmp, sizeof tmp, "%s/bin/sh", *rootfs);
	if (access(tmp, F_OK) < 0)
		return sbx_error(e, "template rootfs %s has no /bin/sh; it is not a built template", *rootfs);
	snprintf(tmp, sizeof tmp, "%s%s", *rootfs, NSMNT_AGENT_PATH);
	if (access(tmp, F_OK) < 0) {
		/* Templates built before the agent existed get the host's binary bound in. */
		if (!agent_bin || !(*agent_src = realpath(agent_bin, NULL)) || access(*agent_src, X_OK) < 0)
			return sbx_error(e, "template %s has no %s and no usable agent binary was given "
					 "(%s); build sbx-agent or rebuild the template", template_dir,
					 NSMNT_AGENT_PATH, agent_bin ? agent_bin : "none");
	}
	snprintf(tmp, sizeof tmp, "%s/usr/lib/sbx/python", *rootfs);
	*rootfs_has_python = is_dir(tmp);
	return 0;
}

/* Checks that need no side effects; fills the resolved paths. */
static int check_spec(const rt_spec *spec, char **dir, char **rootfs, char **agent_src,
		      int *rootfs_has_python, sbx_err *e)
{
	char tmp[PATH_MAX + 64];
	*dir = *rootfs = *agent_src = NULL;
	if (!valid_id(spec->id))
		return sbx_error(e, "sandbox id '%s' must be 1-63 characters of a-z and 0-9",
				 spec->id ? spec->id : "");
	const rt_limits *l = &spec->limits;
	if (l->cpus < 0 || l->memory_mb < 0 || l->disk_mb < 0 || l->pids < 0)
		return sbx_error(e, "limits must not be negative (cpus %d, memory %d MB, disk %d MB, pids %d)",
				 l->cpus, l->memory_mb, l->disk_mb, l->pids);
	if (l->memory_mb > 0 && l->memory_mb < 32)
		return sbx_error(e, "a %d MB memory limit is too small to start the agent; give at least 32 MB",
				 l->memory_mb);
	if (l->disk_mb > 0 && l->disk_mb < 16)
		return sbx_error(e, "a %d MB disk is too small for ext4; give at least 16 MB", l->disk_mb);
	if (!spec->state_dir || !(*dir = realpath(spec->state_dir, NULL)))
		return sbx_error_errno(e, "state dir %s is not usable (create it first)",
				       spec->state_dir ? spec->state_dir : "(none)");
	if (strlen(*dir) + strlen(NS_SOCK_REL) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return sbx_error(e, "state dir %s is too long: the agent's socket path under it must fit "
				 "in %zu bytes; use a shorter state dir", *dir,
				 sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	snprintf(tmp, sizeof tmp, "%s/state.json", *dir);
	if (access(tmp, F_OK) == 0)
		return sbx_error(e, "state dir %s already holds a sandbox; destroy it or use another dir", *dir);
	return find_rootfs(spec->template_dir, spec->agent_bin, rootfs, agent_src, rootfs_has_python, e);
}

/* The agent's command line and environment, inside the sandbox. */
static void agent_cmd(const rt_spec *spec, int python, const char ***argv, const char ***envp,
		      char **token_env)
{
	size_t nenv = 0;
	while (spec->env && spec->env[nenv])
		nenv++;
	const char **a = xcalloc(8 + 2 * nenv, sizeof *a);
	size_t n = 0;
	a[n++] = "sbx-agent";
	a[n++] = "--listen";
	a[n++] = "unix:/run/sbx/agent.sock";
	if (python) {
		a[n++] = "--python-path";
		a[n++] = "/usr/lib/sbx/python";
	}
	for (size_t i = 0; i < nenv; i++) {
		a[n++] = "--env";
		a[n++] = spec->env[i];
	}
	const char **v = xcalloc(5, sizeof *v);
	n = 0;
	v[n++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	v[n++] = "HOME=/root";
	v[n++] = "LANG=C.UTF-8";
	/* In the environment, not argv: /proc/1/cmdline is readable by every user inside. */
	*token_env = NULL;
	if (spec->access_token && *spec->access_token) {
		*token_env = xasprintf("SBX_ACCESS_TOKEN=%s", spec->access_token);
		v[n++] = *token_env;
	}
	*argv = a;
	*envp = v;
}

/* Start the init in its namespaces, give it a network, let it exec the agent. */
static int launch(const rt_spec *spec, ns_state *st, const char *rootfs, const char *agent_src,
		  int python, sbx_err *e)
{
	nsmnt_plan plan;
	if (nsmnt_plan_init(&plan, st->dir, rootfs, agent_src, st->memory_mb, e) < 0)
		return -1;
	nsmnt_plan_mounts(&plan, spec->mounts, spec->n_mounts);
	char log[PATH_MAX];
	snprintf(log, sizeof log, "%s%s", st->dir, NS_LOG_REL);
	int log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (log_fd < 0) {
		nsmnt_plan_free(&plan);
		return sbx_error_errno(e, "cannot create the agent log %s", log);
	}
	const char **argv, **envp;
	char *token_env;
	agent_cmd(spec, python, &argv, &envp, &token_env);
	ns_launch l;
	nsl_init(&l, &plan, &st->cg, nsuid_base(st->uid_slot), st->id, NSMNT_AGENT_PATH, argv, envp,
		 log_fd);
	free(argv);
	free(envp);
	free(token_env);
	int rc = nsl_spawn(&l, e);
	close(log_fd);
	if (rc == 0) {
		st->pid = l.pid;
		if (nsu_proc_stat(st->pid, &st->start_time, NULL) < 0)
			rc = sbx_error(e, "the sandbox's init (pid %d) died at once; see %s", (int)st->pid, log);
	}
	if (rc == 0)
		rc = nss_save(st, e);
	rt_net net = { spec->internet, spec->allow_out, spec->deny_out };
	if (rc == 0 && nsnet_rules_open(&net)) {
		rc = nsnet_create(st->id, st->pid, &st->net_index, st->veth, e);
		char why[512];
		/* An init that died during its mounts explains the failure better. */
		if (rc < 0 && nsl_report(&l, why, sizeof why, 200) == 0 && *why)
			sbx_error(e, "the sandbox failed to start: %s (check the template's rootfs)", why);
		if (rc == 0)
			rc = nss_save(st, e);
	}
	/* The rules are in place before the agent runs: nothing leaves unchecked. */
	if (rc == 0 && nsnet_rules_any(&net)) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/" NSNET_RULES_FILE, st->dir);
		rc = nsnet_rules_save(path, &net, e);
	}
	if (rc == 0 && st->net_index >= 0 && nsnet_rules_any(&net)) {
		char *script = nsnet_rules_script(&net, NULL, e), ns[64];
		snprintf(ns, sizeof ns, "/proc/%d/ns/net", (int)st->pid);
		rc = script ? nsnet_nft_in(ns, script, e) : -1;
		free(script);
	}
	if (rc == 0)
		rc = nsl_go(&l, st->net_index, e);
	nsl_free(&l);
	return rc;
}

int ns_create(const rt_spec *spec, rt_sandbox **out, sbx_err *e)
{
	char *dir, *rootfs, *agent_src;
	int python = 0;
	*out = NULL;
	if (check_spec(spec, &dir, &rootfs, &agent_src, &python, e) < 0) {
		free(dir);
		free(rootfs);
		free(agent_src);
		return -1;
	}
	ns_state st;
	memset(&st, 0, sizeof st);
	st.dir = dir;
	st.id = xstrdup(spec->id);
	/* The template as an absolute path: it must mean the same to a later adopter. */
	st.template_dir = realpath(spec->template_dir, NULL);
	if (!st.template_dir)
		st.template_dir = xstrdup(spec->template_dir);
	st.net_index = -1;
	st.loop = -1;
	st.uid_slot = -1;
	st.cpus = spec->limits.cpus;
	st.memory_mb = spec->limits.memory_mb;
	st.disk_mb = spec->limits.disk_mb;
	st.pids = spec->limits.pids > 0 ? spec->limits.pids : NSCG_DEFAULT_PIDS;
	st.created_ms = wall_ms();
	st.token = spec->access_token ? xstrdup(spec->access_token) : NULL;
	st.agent_bin = spec->agent_bin ? xstrdup(spec->agent_bin) : NULL;
	st.internet = spec->internet;
	size_t nenv = 0;
	while (spec->env && spec->env[nenv])
		nenv++;
	st.env = xcalloc(nenv + 1, sizeof *st.env);
	for (size_t i = 0; i < nenv; i++)
		st.env[i] = xstrdup(spec->env[i]);
	int rc = -1;
	if (nscg_create(&st.cg, st.id, st.cpus, st.memory_mb, st.pids, e) < 0)
		goto out;
	/* Saved before each piece appears: a creator killed half-way leaves a
	 * record that destroy can undo. */
	if (nss_save(&st, e) < 0 || nsuid_alloc(st.dir, &st.uid_slot, e) < 0 || nss_save(&st, e) < 0 ||
	    nsmnt_disk_create(st.dir, st.disk_mb, nsuid_base(st.uid_slot), &st.loop, e) < 0 ||
	    nss_save(&st, e) < 0 ||
	    (spec->snapshot_dir && nssnap_restore(spec->snapshot_dir, st.dir, nsuid_base(st.uid_slot), e) < 0) ||
	    nsmnt_seed_upper(st.dir, rootfs, st.id, agent_src != NULL, nsuid_base(st.uid_slot), e) < 0 ||
	    launch(spec, &st, rootfs, agent_src, python, e) < 0) {
		ns_teardown(&st, NULL);
		goto out;
	}
	*out = ns_handle(&st);
	rc = 0;
out:
	if (rc < 0)
		nss_free(&st);
	free(rootfs);
	free(agent_src);
	return rc;
}

int ns_relaunch(ns_state *st, sbx_err *e)
{
	char *rootfs = NULL, *agent_src = NULL;
	int python = 0;
	if (find_rootfs(st->template_dir, st->agent_bin, &rootfs, &agent_src, &python, e) < 0) {
		free(rootfs);
		free(agent_src);
		return -1;
	}
	/* What it ran with before; its files are all in disk/ already. */
	rt_spec spec = {
		.id = st->id, .template_dir = st->template_dir, .state_dir = st->dir, .agent_bin = st->agent_bin,
		.limits = { .cpus = st->cpus, .memory_mb = st->memory_mb, .disk_mb = st->disk_mb, .pids = st->pids },
		.internet = st->internet, .access_token = st->token, .env = (const char *const *)st->env,
	};
	int rc = nscg_freeze(&st->cg, 0, e);   /* a frozen cgroup would freeze the new init */
	if (rc == 0) {
		st->net_index = -1;
		st->veth[0] = '\0';
		rc = launch(&spec, st, rootfs, agent_src, python, e);
	}
	if (rc == 0) {
		st->disk_paused = 0;
		rc = nss_save(st, e);
	}
	free(rootfs);
	free(agent_src);
	return rc;
}
