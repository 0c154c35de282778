/*
 * listq: GET /v2/sandboxes and GET /sandboxes query logic, pure.
 *   state=running,paused   metadata=k%3Dv%26k2%3Dv2   template=T
 *   startedAfter=RFC3339   order=asc|desc   limit=1..100   nextToken=T
 * Results are ordered by start time (newest first unless order=asc), then
 * id; a page that leaves more behind yields a next token, sent back to the
 * client in the X-Next-Token header.  Tokens name a position, not an
 * index, so sandboxes that come or go between pages do not shift them.
 */
#ifndef SBX_DAEMON_LISTQ_H
#define SBX_DAEMON_LISTQ_H
#include <stddef.h>
#include <stdint.h>
#include "record.h"

#define LISTQ_RUNNING 1
#define LISTQ_PAUSED 2
#define LISTQ_DEAD 4             /* ours: the agent died under it */
#define LISTQ_MAX_LIMIT 100

typedef struct listq {
	int states;              /* LISTQ_* mask */
	kvlist metadata;         /* every pair must match */
	char *template;          /* NULL: any; else templateID or alias */
	int64_t started_after;   /* unix ms; 0: any */
	int asc;
	int limit;
	int has_token;
	int64_t tok_started;
	char tok_id[SBXD_ID_MAX + 1];
} listq;

/* Query values as the server decoded them (NULL: absent).  default_states
 * applies when state is absent (v1 lists running sandboxes only). */
typedef struct listq_params {
	const char *state, *metadata, *template, *started_after, *order, *limit, *next_token;
} listq_params;

int listq_parse(listq *q, const listq_params *p, int default_states, sbx_err *e);
void listq_free(listq *q);

/* "k=v&k2=v2", each part URL-decoded (the JS SDK encodes keys and values
 * before joining them, then the whole string once more as the query value). */
int listq_parse_metadata(const char *s, kvlist *out, sbx_err *e);

/* Picks the page: out gets at most q->limit records (out has room for n);
 * *next is a heap token when more remain, else NULL.  Returns the count. */
size_t listq_run(const listq *q, const sbxd_record *const *recs, size_t n, const sbxd_record **out, char **next);

#endif
