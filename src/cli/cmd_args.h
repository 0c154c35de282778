/*
 * cmd_args: the pure parts of the arguments of sbx snapshot, fork, port,
 * volume, network and events, and the create options they add (volume
 * mounts, outbound rules), unit tested without a daemon.  Every parser
 * returns 0, or -1 with e (e->msg OPT_HELP when --help was asked).
 * Strings point into argv unless said otherwise.
 */
#ifndef SBX_CLI_ARGS_H
#define SBX_CLI_ARGS_H
#include <stddef.h>
#include "../client/libsbx.h"

/* "NAME:/path" appended to *m (copies; free with opt_mounts_free). */
int opt_volume_mount(const char *arg, sbx_volume_mount **m, size_t *n, sbx_err *e);
void opt_mounts_free(sbx_volume_mount *m, size_t n);
/* "a,b c" → each entry appended to *v (heap copies, NULL-terminated;
 * free with sbx_strv_free); an empty entry is an error. */
int opt_rules(const char *arg, const char *what, char ***v, size_t *n, sbx_err *e);

enum { SNAP_CREATE = 1, SNAP_LS, SNAP_RM };
typedef struct snapshot_args {
	int sub, json;
	const char *id;                  /* create: the sandbox; rm: the snapshot */
	const char *name;                /* create --name */
	const char *sandbox;             /* ls --sandbox */
} snapshot_args;
int parse_snapshot(int argc, char **argv, snapshot_args *a, sbx_err *e);

typedef struct fork_args {
	const char *id;
	int count, timeout_s, json;
} fork_args;
int parse_fork(int argc, char **argv, fork_args *a, sbx_err *e);

typedef struct port_args {
	const char *id;
	int port;                        /* 0: list the listening ports */
	int local_port;                  /* 0: a free one */
	int json;
} port_args;
int parse_port(int argc, char **argv, port_args *a, sbx_err *e);

enum { VOL_CREATE = 1, VOL_LS, VOL_RM, VOL_FILES, VOL_PUT, VOL_GET, VOL_MKDIR, VOL_RMFILE };
typedef struct volume_args {
	int sub, json;
	const char *name;                /* the volume (id or name) */
	const char *path;                /* in the volume */
	const char *local;               /* put: the source ("-": stdin); get: the target ("-" or NULL: stdout) */
} volume_args;
int parse_volume(int argc, char **argv, volume_args *a, sbx_err *e);

typedef struct network_args {
	const char *id;
	char **allow_out, **deny_out;    /* heap (sbx_strv) */
	size_t nallow, ndeny;
	int internet;                    /* -1: not said */
	int clear, update, json;         /* update: some rule option was given */
} network_args;
int parse_network(int argc, char **argv, network_args *a, sbx_err *e);
void network_args_free(network_args *a);

#define EVENTS_TYPES_MAX 16            /* sbxd's limit per request */
typedef struct events_args {
	const char *id;                  /* NULL: every sandbox */
	int limit, json;
	const char *types[EVENTS_TYPES_MAX + 1]; /* --type arguments (each a comma list), NULL-terminated */
	size_t ntypes;                   /* names in them all */
} events_args;
int parse_events(int argc, char **argv, events_args *a, sbx_err *e);

#endif
