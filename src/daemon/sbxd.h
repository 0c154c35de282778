/*
 * sbxd: E2B's control plane, served locally, plus the data-plane proxy,
 * on one listener and one event loop (no threads).  See docs/sbxd.md.
 *
 * sbxd_new() listens, re-adopts every sandbox recorded under the state dir
 * and starts the pool; everything else happens in loop callbacks.
 * sbxd_free() stops serving and lets running sandboxes live on (the next
 * sbxd adopts them); only unclaimed pool sandboxes are destroyed.
 */
#ifndef SBX_DAEMON_SBXD_H
#define SBX_DAEMON_SBXD_H
#include <stddef.h>
#include "../util/err.h"
#include "../util/loop.h"
#include "../../vm/runtime.h"

typedef struct sbxd sbxd;

/* Limits of a sandbox whose create asks for none (as E2B's defaults). */
#define SBXD_DEFAULT_CPUS 2
#define SBXD_DEFAULT_MEMORY_MB 512
#define SBXD_DEFAULT_DISK_MB 2048

/* A built template, as sbxd needs it (defaults apply when a create does not
 * ask for limits). */
typedef struct sbxd_template {
	char *id;       /* the template's own name: the answer's templateID */
	char *dir;      /* rt_spec.template_dir */
	int cpus, memory_mb, disk_mb;
	char **env;     /* "K=V": the template's env; a create's envVars win */
	size_t nenv;
	char *user, *workdir;          /* the sandbox's defaults; NULL: the agent's */
	char *start_cmd, *ready_cmd;   /* run at every create (agent_op.h); NULL: none */
} sbxd_template;
void sbxd_template_free(sbxd_template *t);

/* 0 and *out filled, or -1 with a message a user can act on. */
typedef int (*sbxd_template_fn)(const char *name_or_alias, sbxd_template *out, sbx_err *e);
/* The default: built templates, through vm/template/template.h (templates.c). */
int sbxd_find_template(const char *name_or_alias, sbxd_template *out, sbx_err *e);

typedef struct sbxd_opts {
	const char *listen;        /* default SBXD_DEFAULT_LISTEN */
	const char *state_dir;     /* must exist */
	const char *runtime;       /* "auto" (default) or a driver name */
	int pool;                  /* pre-started sandboxes per default template */
	const char *api_key;
	const char *agent_bin;     /* rt_spec.agent_bin */
	/* Names for network rules before DNS ("ADDR NAME..." lines, netrules.h);
	 * NULL: DNS only.  And how often names are resolved again (0: 60 s). */
	const char *hosts_file;
	int64_t net_refresh_ms;
	/* For tests: the drivers known (NULL-terminated; default: the built-in
	 * ones) and the template finder (default: vm/template/template.h). */
	const runtime_ops *const *runtimes;
	sbxd_template_fn find_template;
	const char *const *pool_templates;   /* default: base, code-interpreter */
} sbxd_opts;

sbxd *sbxd_new(sbx_loop *loop, const sbxd_opts *o, sbx_err *e);
int sbxd_port(sbxd *d);      /* the TCP port listened on (0 for unix sockets) */
void sbxd_free(sbxd *d);

#endif
