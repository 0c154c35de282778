/*
 * store: sandboxes on disk, under <state>/sandboxes/:
 *   <id>.json   the record (record.h), replaced atomically on every change
 *   <id>/       the runtime driver's state dir (its logs included)
 *   <id>.log    sbxd's own events for that sandbox (created, paused, ...)
 * Records are written before the runtime creates anything, so a crash at
 * any point leaves a record that tells the next sbxd what to clean up.
 */
#ifndef SBX_DAEMON_STORE_H
#define SBX_DAEMON_STORE_H
#include <stddef.h>
#include "record.h"

char *store_rt_dir(const char *sbdir, const char *id);
char *store_log_path(const char *sbdir, const char *id);
int store_save(const char *sbdir, const sbxd_record *r, sbx_err *e);
int store_load(const char *sbdir, const char *id, sbxd_record *r, sbx_err *e);
/* Removes the record, the event log and the runtime dir. */
int store_remove(const char *sbdir, const char *id, sbx_err *e);
/* Appends a timestamped line to <id>.log (best effort). */
void store_log(const char *sbdir, const char *id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The runtime's log files (*.log in <id>/, <id>/log/ and <id>/disk/log/,
 * where drivers keep them), sorted; a NULL-terminated heap array. */
char **store_runtime_logs(const char *sbdir, const char *id);
/* Ids of every <id>.json, sorted; *ids is a NULL-terminated heap array. */
int store_list(const char *sbdir, char ***ids, size_t *n, sbx_err *e);
void store_list_free(char **ids);

#endif
