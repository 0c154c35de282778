/*
 * portlist: see portlist.h.
 */
#include "portlist.h"
#include "conbuf.h"
#include "../../src/util/xalloc.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void portlist_init(portlist *pl)
{
	memset(pl, 0, sizeof *pl);
}

static void rows_free(pl_row *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].address);
		free(r[i].cmd);
	}
	free(r);
}

void portlist_free(portlist *pl)
{
	rows_free(pl->rows, pl->n);
	free(pl->fwds);
	memset(pl, 0, sizeof *pl);
}

/* Hostile text for one line of the screen. */
static char *clean(const char *s)
{
	if (!s)
		return xstrdup("");
	size_t len = strnlen(s, PL_TEXT_MAX);
	sbx_buf b = SBX_BUF_INIT;
	conbuf_sanitize(s, len, &b);
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

static int cmp_rows(const void *a, const void *b)
{
	const pl_row *x = a, *y = b;
	return (x->port > y->port) - (x->port < y->port);
}

void portlist_set(portlist *pl, const pl_port_in *in, size_t n)
{
	int sel = portlist_selected(pl);
	pl_row *rows = xcalloc(n + 1, sizeof *rows);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i].port < 1 || in[i].port > 65535)
			continue;
		size_t j = 0;
		while (j < k && rows[j].port != (int)in[i].port)
			j++;
		if (j < k) {   /* the same port on v4 and v6: one row, the one that knows its process */
			if (!*rows[j].cmd && in[i].cmd && *in[i].cmd) {
				free(rows[j].cmd);
				rows[j].cmd = clean(in[i].cmd);
				rows[j].pid = in[i].pid > 0 ? in[i].pid : rows[j].pid;
			}
			continue;
		}
		rows[k].port = (int)in[i].port;
		rows[k].address = clean(in[i].address);
		rows[k].cmd = clean(in[i].cmd);
		rows[k].pid = in[i].pid > 0 ? in[i].pid : 0;
		k++;
	}
	qsort(rows, k, sizeof *rows, cmp_rows);
	rows_free(pl->rows, pl->n);
	pl->rows = rows;
	pl->n = k;
	if (pl->cursor >= k)
		pl->cursor = k ? k - 1 : 0;
	for (size_t i = 0; sel && i < k; i++)
		if (rows[i].port == sel)
			pl->cursor = i;
	pl->loaded = 1;
}

int portlist_selected(const portlist *pl)
{
	return pl->cursor < pl->n ? pl->rows[pl->cursor].port : 0;
}

void portlist_move(portlist *pl, long delta)
{
	if (!pl->n)
		return;
	long c = (long)pl->cursor + delta;
	if (c < 0)
		c = 0;
	if (c >= (long)pl->n)
		c = (long)pl->n - 1;
	pl->cursor = (size_t)c;
}

int portlist_forward_of(const portlist *pl, int port)
{
	for (size_t i = 0; i < pl->nfwds; i++)
		if (pl->fwds[i].port == port)
			return pl->fwds[i].lport;
	return 0;
}

void portlist_forward_set(portlist *pl, int port, int lport)
{
	for (size_t i = 0; i < pl->nfwds; i++)
		if (pl->fwds[i].port == port) {
			if (lport > 0)
				pl->fwds[i].lport = lport;
			else
				pl->fwds[i] = pl->fwds[--pl->nfwds];
			return;
		}
	if (lport <= 0)
		return;
	pl->fwds = xrealloc(pl->fwds, (pl->nfwds + 1) * sizeof *pl->fwds);
	pl->fwds[pl->nfwds++] = (pl_fwd){ port, lport };
}

int pl_parse_port(const char *s, int allow0)
{
	if (!s)
		return -1;
	while (*s == ' ')
		s++;
	long v = 0;
	int digits = 0;
	for (; isdigit((unsigned char)*s); s++, digits++) {
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -1;
	}
	while (*s == ' ')
		s++;
	if (!digits || *s || (v == 0 && !allow0))
		return -1;
	return (int)v;
}

void pl_local_url(int lport, char *out, size_t n)
{
	snprintf(out, n, "http://127.0.0.1:%d/", lport);
}

void pl_row_text(const pl_row *r, char *out, size_t n)
{
	char pid[32] = "";
	if (r->pid > 0)
		snprintf(pid, sizeof pid, " (pid %lld)", r->pid);
	snprintf(out, n, "%-5d  %-15s  %s%s", r->port, *r->address ? r->address : "-",
		 *r->cmd ? r->cmd : "?", pid);
}
