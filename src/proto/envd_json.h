/*
 * envd_json: protobuf-JSON for the envd messages (process.proto,
 * filesystem.proto; docs/protocol.md §3.3-3.5), with jansson.
 *
 * Decoding is as lenient as protojson with DiscardUnknown: lowerCamelCase or
 * proto field names, enums as names or numbers (an unknown name is unset),
 * integers as numbers or strings, bytes in standard or URL-safe base64 with
 * or without padding, null = unset, unknown fields ignored.  Two members of
 * one oneof, wrong JSON types or out-of-range numbers fail (the caller
 * answers invalid_argument with the message).  Decoded strings are never
 * NULL except the proto3 `optional` ones (cwd, tag).
 *
 * Encoding is protojson's: camelCase, enum names, int64 as a string, RFC 3339
 * timestamps with Z.  Builders return new json_t references.
 */
#ifndef SBX_ENVD_JSON_H
#define SBX_ENVD_JSON_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include "../util/err.h"
#include "../util/kv.h"

/* --- enums (proto numbers) ------------------------------------------------ */
enum { ENVD_SIGNAL_UNSPECIFIED = 0, ENVD_SIGNAL_SIGKILL = 9, ENVD_SIGNAL_SIGTERM = 15 };
enum { ENVD_FILE_UNSPECIFIED = 0, ENVD_FILE_FILE = 1, ENVD_FILE_DIRECTORY = 2, ENVD_FILE_SYMLINK = 3 };
enum {
	ENVD_EVENT_UNSPECIFIED = 0, ENVD_EVENT_CREATE = 1, ENVD_EVENT_WRITE = 2,
	ENVD_EVENT_REMOVE = 3, ENVD_EVENT_RENAME = 4, ENVD_EVENT_CHMOD = 5,
};
enum { ENVD_SEL_NONE, ENVD_SEL_PID, ENVD_SEL_TAG };        /* ProcessSelector oneof */
enum { ENVD_INPUT_NONE, ENVD_INPUT_STDIN, ENVD_INPUT_PTY };  /* ProcessInput oneof */
enum { ENVD_OUT_STDOUT, ENVD_OUT_STDERR, ENVD_OUT_PTY };     /* DataEvent oneof */

const char *envd_file_type_name(int t);
const char *envd_event_type_name(int t);
const char *envd_signal_name(int s);

/* --- request messages ----------------------------------------------------- */
typedef kvlist envd_kv;             /* map<string,string>, in JSON order */

typedef struct envd_proc_config {
	char *cmd;
	char **args;
	size_t nargs;
	envd_kv envs;
	char *cwd;                      /* NULL: not set */
} envd_proc_config;

typedef struct envd_selector {
	int kind;                       /* ENVD_SEL_* */
	uint32_t pid;
	char *tag;
} envd_selector;

typedef struct envd_pty {
	int set;                        /* the optional PTY message was present */
	uint32_t cols, rows;
} envd_pty;

typedef struct envd_start_req {
	envd_proc_config process;
	envd_pty pty;
	char *tag;                      /* NULL: not set */
	int stdin_set, stdin_on;        /* optional bool; absent means true */
} envd_start_req;

typedef struct envd_update_req {
	envd_selector process;
	envd_pty pty;
} envd_update_req;

typedef struct envd_input_req {
	envd_selector process;
	int kind;                       /* ENVD_INPUT_* */
	unsigned char *data;
	size_t len;
} envd_input_req;

typedef struct envd_signal_req {
	envd_selector process;
	int signal;                     /* ENVD_SIGNAL_* or any number sent */
} envd_signal_req;

/* ConnectRequest, CloseStdinRequest. */
typedef struct envd_select_req {
	envd_selector process;
} envd_select_req;

/* StatRequest, MakeDirRequest, RemoveRequest. */
typedef struct envd_path_req {
	char *path;
} envd_path_req;

typedef struct envd_move_req {
	char *source, *destination;
} envd_move_req;

typedef struct envd_listdir_req {
	char *path;
	uint32_t depth;
} envd_listdir_req;

/* WatchDirRequest, CreateWatcherRequest. */
typedef struct envd_watch_req {
	char *path;
	int recursive, include_entry, allow_network_mounts;
} envd_watch_req;

/* GetWatcherEventsRequest, RemoveWatcherRequest. */
typedef struct envd_watcher_req {
	char *watcher_id;
} envd_watcher_req;

/* Parses text that must be one JSON object. */
json_t *envd_parse(const char *text, size_t len, sbx_err *e);

/* Each decoder fills *out (zeroed first) and returns 0, or -1 with e; on
 * failure *out holds nothing to free.  ListRequest is {} and needs none. */
int envd_decode_start(const json_t *j, envd_start_req *out, sbx_err *e);
int envd_decode_update(const json_t *j, envd_update_req *out, sbx_err *e);
int envd_decode_input(const json_t *j, envd_input_req *out, sbx_err *e);
int envd_decode_signal(const json_t *j, envd_signal_req *out, sbx_err *e);
int envd_decode_select(const json_t *j, envd_select_req *out, sbx_err *e);
int envd_decode_path(const json_t *j, envd_path_req *out, sbx_err *e);
int envd_decode_move(const json_t *j, envd_move_req *out, sbx_err *e);
int envd_decode_listdir(const json_t *j, envd_listdir_req *out, sbx_err *e);
int envd_decode_watch(const json_t *j, envd_watch_req *out, sbx_err *e);
int envd_decode_watcher(const json_t *j, envd_watcher_req *out, sbx_err *e);

void envd_kv_free(envd_kv *kv);
void envd_proc_config_free(envd_proc_config *c);
void envd_selector_free(envd_selector *s);
void envd_start_req_free(envd_start_req *r);
void envd_update_req_free(envd_update_req *r);
void envd_input_req_free(envd_input_req *r);
void envd_signal_req_free(envd_signal_req *r);
void envd_select_req_free(envd_select_req *r);
void envd_path_req_free(envd_path_req *r);
void envd_move_req_free(envd_move_req *r);
void envd_listdir_req_free(envd_listdir_req *r);
void envd_watch_req_free(envd_watch_req *r);
void envd_watcher_req_free(envd_watcher_req *r);

/* --- process responses ---------------------------------------------------- */
typedef struct envd_end {
	int exit_code;                  /* -1 when killed by a signal (Go's ExitCode) */
	int exited;
	char status[96];                /* "exit status 1", "signal: killed" */
	char error[96];                 /* "" = unset */
} envd_end;

/* The EndEvent fields Go's os/exec would give for a waitpid status. */
void envd_end_from_wait(int wstatus, envd_end *out);

/* {"event":{"start":{"pid":N}}} and friends (StartResponse = ConnectResponse). */
json_t *envd_ev_start(uint32_t pid);
json_t *envd_ev_data(int kind, const void *data, size_t len);
/* The same event as compact JSON text (heap, *outlen set), without building
 * it through jansson: output streams send one per read. */
char *envd_ev_data_text(int kind, const void *data, size_t len, size_t *outlen);
json_t *envd_ev_end(const envd_end *end);
json_t *envd_ev_keepalive(void);

json_t *envd_proc_config_json(const envd_proc_config *c);
/* ProcessInfo; tag may be NULL. */
json_t *envd_process_info_json(const envd_proc_config *c, uint32_t pid, const char *tag);

/* --- filesystem ----------------------------------------------------------- */
typedef struct envd_entry {
	char *name;
	int type;                       /* ENVD_FILE_*: the target's type for a symlink */
	char *path;
	int64_t size;
	uint32_t mode;                  /* permission bits */
	char permissions[32];           /* Go FileMode.String() */
	char *owner, *group;
	struct timespec mtime;
	char *symlink_target;           /* NULL unless a symlink */
	envd_kv metadata;               /* user.e2b.* xattrs, prefix stripped */
} envd_entry;

/* lstat(fs_path) → EntryInfo reported at report_path (NULL: fs_path).
 * Returns -1 with errno set and e filled. */
int envd_entry_stat(const char *fs_path, const char *report_path, envd_entry *out, sbx_err *e);
void envd_entry_free(envd_entry *en);
json_t *envd_entry_json(const envd_entry *en);

/* Go's os.FileMode(...).String() for a st_mode: "-rw-r--r--", "drwxr-xr-x",
 * "Lrwxrwxrwx", "dtrwxrwxrwx" (sticky), "Dcrw-rw-rw-" (char device). */
void envd_perm_string(mode_t m, char out[32]);
/* protojson Timestamp: UTC, Z, 0/3/6/9 fraction digits.  out >= 40 bytes. */
void envd_timestamp(const struct timespec *ts, char *out, size_t n);

/* FilesystemEvent; entry may be NULL. */
json_t *envd_fs_event_json(const char *name, int type, const envd_entry *entry);
/* WatchDirResponse: {"start":{}}, {"filesystem":ev} (steals ev), {"keepalive":{}}. */
json_t *envd_watch_start(void);
json_t *envd_watch_event(json_t *ev);
json_t *envd_watch_keepalive(void);

#endif
