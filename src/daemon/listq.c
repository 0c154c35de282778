#include "listq.h"
#include "../util/timeutil.h"
#include "../util/url.h"
#include "../util/xalloc.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int listq_parse_metadata(const char *s, kvlist *out, sbx_err *e)
{
	char *copy = xstrdup(s), *save = NULL;
	int rc = 0;
	for (char *pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		if (!eq || eq == pair) {
			rc = sbx_error(e, "metadata filter '%s' is not key=value (send metadata=key%%3Dvalue%%26key2%%3Dvalue2)", pair);
			break;
		}
		*eq = '\0';
		char *k = pair, *v = eq + 1;
		url_decode(k, 1);
		url_decode(v, 1);
		url_decode(k, 0);
		url_decode(v, 0);
		kv_set(out, k, v);
	}
	free(copy);
	return rc;
}

static int parse_states(const char *s, int *mask, sbx_err *e)
{
	char *copy = xstrdup(s), *save = NULL;
	int m = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "running"))
			m |= LISTQ_RUNNING;
		else if (!strcmp(t, "paused"))
			m |= LISTQ_PAUSED;
		else if (!strcmp(t, "dead"))
			m |= LISTQ_DEAD;
		else {
			sbx_error(e, "unknown state '%s' in the state filter; use running, paused, dead or a list "
				  "like running,paused", t);
			free(copy);
			return -1;
		}
	}
	free(copy);
	*mask = m ? m : LISTQ_RUNNING | LISTQ_PAUSED;
	return 0;
}

static int parse_token(listq *q, const char *s, sbx_err *e)
{
	const char *dash = strchr(s, '-');
	char *end;
	long long ms = strtoll(s, &end, 10);
	if (!dash || end != dash || ms < 0 || !record_id_valid(dash + 1))
		return sbx_error(e, "nextToken '%s' is not one this server gave out; start the listing again without it", s);
	q->has_token = 1;
	q->tok_started = ms;
	snprintf(q->tok_id, sizeof q->tok_id, "%s", dash + 1);
	return 0;
}

int listq_parse(listq *q, const listq_params *p, int default_states, sbx_err *e)
{
	memset(q, 0, sizeof *q);
	q->states = default_states;
	q->limit = LISTQ_MAX_LIMIT;
	if (p->state && *p->state && parse_states(p->state, &q->states, e) < 0)
		goto fail;
	if (p->metadata && *p->metadata && listq_parse_metadata(p->metadata, &q->metadata, e) < 0)
		goto fail;
	if (p->template && *p->template)
		q->template = xstrdup(p->template);
	if (p->started_after && *p->started_after && rfc3339_parse(p->started_after, &q->started_after) < 0) {
		sbx_error(e, "startedAfter '%s' is not an RFC 3339 time like 2025-01-31T12:00:00Z", p->started_after);
		goto fail;
	}
	if (p->order && *p->order) {
		if (!strcmp(p->order, "asc"))
			q->asc = 1;
		else if (strcmp(p->order, "desc")) {
			sbx_error(e, "order '%s' must be asc or desc", p->order);
			goto fail;
		}
	}
	if (p->limit && *p->limit) {
		char *end;
		long l = strtol(p->limit, &end, 10);
		if (*end || l < 1 || l > LISTQ_MAX_LIMIT) {
			sbx_error(e, "limit '%s' must be a number from 1 to %d", p->limit, LISTQ_MAX_LIMIT);
			goto fail;
		}
		q->limit = (int)l;
	}
	if (p->next_token && *p->next_token && parse_token(q, p->next_token, e) < 0)
		goto fail;
	return 0;
fail:
	listq_free(q);
	return -1;
}

void listq_free(listq *q)
{
	kv_free(&q->metadata);
	free(q->template);
	q->template = NULL;
}

static int matches(const listq *q, const sbxd_record *r)
{
	if (r->pooled || r->state == SB_STARTING)
		return 0;
	if (!(q->states & (r->state == SB_PAUSED ? LISTQ_PAUSED : r->state == SB_DEAD ? LISTQ_DEAD : LISTQ_RUNNING)))
		return 0;
	if (q->template && strcmp(q->template, r->template_id) && strcmp(q->template, r->alias))
		return 0;
	if (q->started_after && r->started_at <= q->started_after)
		return 0;
	for (size_t i = 0; i < q->metadata.n; i++) {
		const char *v = kv_get(&r->metadata, q->metadata.keys[i]);
		if (!v || strcmp(v, q->metadata.values[i]))
			return 0;
	}
	return 1;
}

/* Ascending position: start time, then id. */
static int pos_cmp(int64_t s1, const char *id1, int64_t s2, const char *id2)
{
	if (s1 != s2)
		return s1 < s2 ? -1 : 1;
	return strcmp(id1, id2);
}

static int cmp_asc(const void *a, const void *b)
{
	const sbxd_record *x = *(const sbxd_record *const *)a, *y = *(const sbxd_record *const *)b;
	return pos_cmp(x->started_at, x->id, y->started_at, y->id);
}

static int cmp_desc(const void *a, const void *b)
{
	return -cmp_asc(a, b);
}

size_t listq_run(const listq *q, const sbxd_record *const *recs, size_t n, const sbxd_record **out, char **next)
{
	size_t k = 0;
	*next = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!matches(q, recs[i]))
			continue;
		if (q->has_token) {
			int c = pos_cmp(recs[i]->started_at, recs[i]->id, q->tok_started, q->tok_id);
			if (q->asc ? c <= 0 : c >= 0)
				continue;   /* at or before the token's position */
		}
		out[k++] = recs[i];
	}
	qsort(out, k, sizeof *out, q->asc ? cmp_asc : cmp_desc);
	if (k > (size_t)q->limit) {
		const sbxd_record *last = out[q->limit - 1];
		*next = xasprintf("%" PRId64 "-%s", last->started_at, last->id);
		k = (size_t)q->limit;
	}
	return k;
}
