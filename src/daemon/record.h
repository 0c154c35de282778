/*
 * record: what sbxd knows about one sandbox, as kept in memory and in its
 * state file (<state>/sandboxes/<id>.json).  Pure data + JSON; no I/O.
 */
#ifndef SBX_DAEMON_RECORD_H
#define SBX_DAEMON_RECORD_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "../util/err.h"
#include "../util/kv.h"

#define SBXD_ID_LEN 20          /* like E2B's: [a-z0-9]{20} */
#define SBXD_ID_MAX 64
#define SBXD_ENVD_VERSION "0.6.13"
#define SBXD_CLIENT_ID "local"  /* E2B's deprecated clientID; required by its schema */

/* kvlist (util/kv.h) to and from JSON. */
json_t *kv_to_json(const kvlist *kv);
/* An object of strings (NULL/null: empty).  what names the field in errors. */
int kv_from_json(json_t *j, kvlist *kv, const char *what, sbx_err *e);

/* SB_DEAD: its agent or runtime died under it (not killed by sbxd); kept,
 * with why, until it is killed or its record expires (sandbox.h). */
typedef enum { SB_STARTING, SB_RUNNING, SB_PAUSED, SB_DEAD } sb_state;

typedef struct sbxd_record {
	char id[SBXD_ID_MAX + 1];
	char *template_id;    /* the template's own name */
	char *alias;          /* the name the client asked for (may be an alias) */
	char *template_dir;
	char *runtime;        /* driver name: "ns", ... */
	char *token;          /* envdAccessToken (= trafficAccessToken) */
	int cpus, memory_mb, disk_mb;
	int internet;
	int64_t started_at, end_at;   /* unix ms */
	int timeout_s;        /* the last timeout asked for (reused on resume) */
	sb_state state;
	int auto_pause;       /* on timeout: pause instead of kill */
	int auto_resume;      /* traffic to a paused sandbox resumes it */
	int auto_pause_memory;   /* autoPause keeps memory (1, default) or only the disk (0) */
	int paused_disk;      /* SB_PAUSED by a filesystem-only pause: resume starts it afresh */
	int pooled;           /* pre-started, not handed out yet: never listed */
	int killed;           /* killed, its teardown not finished: the next sbxd
			       * start finishes it instead of adopting it */
	kvlist metadata;
	/* E2B's network config as created or last updated (netrules.h):
	 * {allowOut?, denyOut?, allowPublicTraffic?, maskRequestHost?},
	 * normalized; NULL when the create gave none. */
	json_t *network;
	int public_traffic;   /* network.allowPublicTraffic (default 1): 0 = port routes need the token */
	char *dead_reason;    /* SB_DEAD: what sbxd saw, and what to do */
	int64_t dead_at;      /* SB_DEAD: when sbxd noticed (unix ms) */
	json_t *volume_mounts;   /* [{name, path, volumeID}] (issue 12: volumes), or NULL */
} sbxd_record;

void record_free(sbxd_record *r);
const char *sb_state_name(sb_state s);   /* "starting", "running", "paused", "dead" */

/* A fresh id: SBXD_ID_LEN random [a-z0-9]. out >= SBXD_ID_LEN + 1. */
void record_new_id(char *out);
int record_id_valid(const char *id);

/* The state file's JSON. */
json_t *record_to_json(const sbxd_record *r);
int record_from_json(json_t *j, sbxd_record *r, sbx_err *e);

int64_t wall_ms(void);   /* CLOCK_REALTIME in ms */
/* RFC 3339 of a unix-ms time. out >= 40 bytes. */
void rfc3339_ms(int64_t ms, char *out, size_t n);

#endif
