/*
 * agent: the state of one sbx-agent process, owned by its event loop.
 *
 * The router (router.c) authenticates each request and hands it to one
 * module by path:
 *   /process.Process/...      envd_process.c
 *   /filesystem.Filesystem/... envd_fs.c
 *   /files                    envd_files.c
 *   /health /envs /metrics /init   envd_misc.c
 *   /execute /contexts...     code_*.c
 *   /sbx/ports /sbx/port/P/... /sbx/tunnel/P   ports.c
 * Each module keeps its own state behind an opaque pointer in `struct agent`
 * and exposes *_init / *_free / *_route.
 */
#ifndef SBX_AGENT_H
#define SBX_AGENT_H
#include <sys/types.h>
#include "../http/server.h"
#include "../util/kv.h"
#include "../util/loop.h"

#define AGENT_ENVD_VERSION "0.6.13"

typedef struct agent_config {
	char *access_token;   /* NULL: no X-Access-Token check */
	char *default_user;   /* "user" */
	char *workdir;        /* default cwd; NULL: the user's home */
	char *python_path;    /* dir holding our IPython extension (sbx_e2b) */
	int no_kernel;        /* do not pre-start the default python kernel */
	int sandbox;          /* --sandbox: also listen on E2B's ports on 0.0.0.0 */
} agent_config;

/* Global environment applied to every process and execution (/init envVars). */
typedef kvlist agent_env;

typedef struct agent {
	sbx_loop *loop;
	agent_config cfg;
	agent_env env;
	struct envd_process *process;  /* envd_process.c */
	struct envd_fs *fs;            /* envd_fs.c (watchers) */
	struct code_state *code;       /* code_*.c */
	struct child_table *children;  /* children.c */
	struct ports *ports;           /* ports.c */
	int stopping;
} agent;


/* Routing entry points (each answers the request itself). */
void router_handle(http_req *r, void *agent_ptr);
void envd_process_route(agent *a, http_req *r, const char *method);
void envd_fs_route(agent *a, http_req *r, const char *method);
void envd_files_route(agent *a, http_req *r);
void envd_misc_route(agent *a, http_req *r);
void code_route(agent *a, http_req *r);

void envd_process_init(agent *a);
void envd_process_free(agent *a);
void envd_fs_init(agent *a);
void envd_fs_free(agent *a);
int code_init(agent *a);            /* starts the default python kernel unless cfg.no_kernel */
void code_free(agent *a);

/*
 * children: one SIGCHLD handler (signalfd) for every child of the agent.
 * Never call waitpid() elsewhere: register the pid and get its status here.
 * As PID 1 the agent also reaps orphans, which nobody registered.
 */
typedef void (*child_exit_cb)(agent *a, pid_t pid, int status, void *ud);
int children_init(agent *a);
void children_free(agent *a);
void children_watch(agent *a, pid_t pid, child_exit_cb cb, void *ud);
void children_unwatch(agent *a, pid_t pid);

/* Error bodies in the two shapes the SDK reads. */
/* Connect: {"code":"not_found","message":...} with the HTTP status of that code. */
void agent_connect_error(http_req *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* envd REST: {"code":<status>,"message":...} as application/json. */
void agent_rest_error(http_req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Connect error code → HTTP status (docs/protocol.md §3.2). */
int connect_code_status(const char *code);

#endif
