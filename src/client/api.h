/*
 * api: E2B's control plane (docs/protocol.md §2), as sbxd and E2B's cloud
 * serve it.  Asynchronous; see client.h for the calling convention.
 */
#ifndef SBX_CLIENT_API_H
#define SBX_CLIENT_API_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "client.h"

typedef struct sbx_kv {
	const char *key, *value;
} sbx_kv;

/* Sandbox / SandboxDetail / ListedSandbox: every field the answer had.
 * Strings are "" (never NULL) when absent, numbers 0. */
typedef struct sbx_info {
	const char *id, *template_id, *alias, *client_id, *envd_version;
	const char *access_token, *traffic_token, *domain;
	const char *state;              /* "running" | "paused" ("" on create); sbxd, to
					 * clients that send Sbx-States: extended, also
					 * "pausing" | "resuming" | "dead" */
	const char *started_at, *end_at;  /* RFC 3339 */
	int64_t started_ms, end_ms;      /* the same in unix ms (0: absent) */
	int cpus, memory_mb, disk_mb;
	int internet;                    /* -1: not said */
	const char *runtime;             /* an sbx extension ("" elsewhere) */
	const char *accel;               /* sbx: "kvm" | "tcg"; "" for ns or elsewhere */
	/* sbx, while a slow pause or resume runs (sbxProgress): op "pausing" |
	 * "resuming" ("" when none), bytes done of total (0 while unknown). */
	const char *progress_op;
	int64_t progress_done, progress_total;
	sbx_kv *metadata;
	size_t nmetadata;
	const json_t *raw;               /* the object as answered */
} sbx_info;

/* Outbound rules (E2B's SandboxNetworkConfig / SandboxNetworkUpdateConfig):
 * entries are CIDRs, IPs or (allow only) domain names, checked by the server. */
typedef struct sbx_netcfg {
	const char *const *allow_out, *const *deny_out;
	size_t nallow_out, ndeny_out;
	int allow_internet;              /* -1: not said, 0: deny all but allow_out, 1: allow */
} sbx_netcfg;

/* A volume mounted into a new sandbox (E2B's SandboxVolumeMount). */
typedef struct sbx_volume_mount {
	const char *name, *path;
} sbx_volume_mount;

typedef struct sbx_create_opts {
	const char *template_id;         /* NULL: "base" */
	int timeout_s;                   /* 0: the server's default (300) */
	const sbx_kv *env, *metadata;
	size_t nenv, nmetadata;
	int cpus, memory_mb;             /* 0: the template's */
	int no_internet;
	const char *runtime;             /* sbx extension; NULL: the server's */
	int auto_pause;
	const char *from_snapshot;       /* a snapshot id or name: sent as templateID */
	const sbx_netcfg *network;       /* NULL: the server's default (everything allowed) */
	const sbx_volume_mount *mounts;
	size_t nmounts;
} sbx_create_opts;

typedef struct sbx_list_opts {
	const char *state;               /* "running", "paused", "running,paused"; NULL: both */
	const sbx_kv *metadata;
	size_t nmetadata;
	int limit;                       /* 0: the server's */
	const char *next_token;          /* NULL: the first page */
} sbx_list_opts;

typedef struct sbx_metric {
	int64_t ts_unix;
	int cpu_count;
	double cpu_used_pct;
	int64_t mem_used, mem_total, disk_used, disk_total;
} sbx_metric;

/* A Template of GET /templates: what a create's templateID may name.
 * Strings are "" when absent; aliases may be empty. */
typedef struct sbx_template {
	const char *id;                  /* templateID */
	const char *build_id, *build_status;   /* buildStatus: "ready" when usable */
	const char **aliases;
	size_t naliases;
	int is_public;
	int cpus, memory_mb;
} sbx_template;

/* One runtime of sbxd's GET /health "runtimes". */
typedef struct sbx_runtime_info {
	const char *name;                /* "ch", "qemu", "ns", ... */
	int available;
	const char *reason;              /* !available: why, and what to install or fix ("" else) */
	const char *accel;               /* "kvm" | "tcg"; "" for ns */
	int is_auto;                     /* what `auto` picks */
	int is_default;                  /* what a create naming none gets */
} sbx_runtime_info;

/* sbxd's GET /health.  Strings point into raw; "" when absent. */
typedef struct sbx_health {
	const char *status;
	int pid, sandboxes;
	const char *default_runtime;     /* defaultRuntime (older sbxd: runtime) */
	sbx_runtime_info *runtimes;      /* empty from an older sbxd */
	size_t nruntimes;
	const json_t *raw;
} sbx_health;

typedef void (*sbx_health_cb)(const sbx_health *h, const sbx_err *e, void *ud);
typedef void (*sbx_info_cb)(const sbx_info *info, const sbx_err *e, void *ud);
/* next_token NULL: the last page. */
typedef void (*sbx_list_cb)(const sbx_info *items, size_t n, const char *next_token, const sbx_err *e, void *ud);
typedef void (*sbx_metrics_cb)(const sbx_metric *m, size_t n, const sbx_err *e, void *ud);
typedef void (*sbx_templates_cb)(const sbx_template *t, size_t n, const sbx_err *e, void *ud);
typedef void (*sbx_text_cb)(const char *text, size_t len, const sbx_err *e, void *ud);

int sbx_api_create(sbx_client *c, const sbx_create_opts *o, sbx_info_cb cb, void *ud, sbx_op **op, sbx_err *e);
int sbx_api_list(sbx_client *c, const sbx_list_opts *o, sbx_list_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* Every page, one after the other, handed over at once. */
int sbx_api_list_all(sbx_client *c, const sbx_list_opts *o, sbx_list_cb cb, void *ud, sbx_op **op, sbx_err *e);
int sbx_api_get(sbx_client *c, const char *id, sbx_info_cb cb, void *ud, sbx_op **op, sbx_err *e);
int sbx_api_kill(sbx_client *c, const char *id, sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);
int sbx_api_set_timeout(sbx_client *c, const char *id, int timeout_s, sbx_done_cb cb, void *ud, sbx_op **op,
			sbx_err *e);
int sbx_api_pause(sbx_client *c, const char *id, sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* Connect: resumes a paused sandbox; timeout_s 0 leaves it as is.  The
 * answer (a Sandbox) carries the access token for the data plane. */
int sbx_api_connect(sbx_client *c, const char *id, int timeout_s, sbx_info_cb cb, void *ud, sbx_op **op,
		    sbx_err *e);
int sbx_api_metrics(sbx_client *c, const char *id, sbx_metrics_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* GET /sandboxes/{id}/logs: sbxd's text, or E2B's {"logs":[{line}]} as lines. */
int sbx_api_logs(sbx_client *c, const char *id, sbx_text_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* GET /templates: the templates sandboxes can be created from. */
int sbx_api_templates(sbx_client *c, sbx_templates_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* GET /health: a local sbxd answers 200 {"status":"ok","pid",...}. */
int sbx_api_health(sbx_client *c, long timeout_ms, sbx_done_cb cb, void *ud, sbx_op **op, sbx_err *e);
/* The same, with what it says: the runtimes this sbxd serves. */
int sbx_api_health_info(sbx_client *c, long timeout_ms, sbx_health_cb cb, void *ud, sbx_op **op, sbx_err *e);

/* --- pure parts (api_parse.c) ---------------------------------------------- */
/* Fills out from an object; strings point into j.  Free with sbx_info_clear. */
int sbx_info_parse(const json_t *j, sbx_info *out, sbx_err *e);
void sbx_info_clear(sbx_info *i);
int sbx_health_parse(const json_t *j, sbx_health *out, sbx_err *e);
void sbx_health_clear(sbx_health *h);
/* The data-plane target of a sandbox the control plane described. */
int sbx_info_sandbox(const sbx_info *i, const sbx_config *cfg, sbx_sandbox *out, sbx_err *e);
/* RFC 3339 → unix ms; 0 when unparsable. */
int64_t sbx_parse_time(const char *s);
/* "k=v&k2=v2", URL-encoded as one query value (E2B's metadata filter). */
char *sbx_metadata_query(const sbx_kv *kv, size_t n);

#endif
