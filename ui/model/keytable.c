/* keytable: bindings per mode, lookup of key sequences, the config file.
 * Help text is in keytable_help.c, the defaults in keytable_defaults.c.
 * curses-free. */
#include "keytable_int.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kt_parse_seq(const char *text, ui_key *seq, sbx_err *e)
{
	char *copy = xstrdup(text), *save = NULL;
	int n = 0;
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == KT_MAX_SEQ) {
			free(copy);
			return sbx_error(e, "'%s' has more than %d keys", text, KT_MAX_SEQ);
		}
		if (key_parse(t, &seq[n++], e) < 0) {
			free(copy);
			return -1;
		}
	}
	free(copy);
	if (n == 0)
		return sbx_error(e, "no keys given");
	return n;
}

keytable *keytable_new(void)
{
	keytable *kt = xcalloc(1, sizeof *kt);
	for (size_t i = 0; i < kt_ndefaults; i++) {
		ui_key seq[KT_MAX_SEQ];
		int n = kt_parse_seq(kt_defaults[i].keys, seq, NULL);
		/* The defaults are ours: a bad one is a bug caught by the tests. */
		if (n > 0)
			keytable_bind(kt, kt_defaults[i].mode, seq, (size_t)n, kt_defaults[i].action, NULL);
	}
	return kt;
}

void keytable_free(keytable *kt)
{
	if (!kt)
		return;
	free(kt->b);
	free(kt);
}

/* 1 when the shorter of a, b is a prefix of the other (or both equal). */
static int overlaps(const ui_key *a, size_t na, const ui_key *b, size_t nb)
{
	size_t n = na < nb ? na : nb;
	for (size_t i = 0; i < n; i++)
		if (!key_equal(a[i], b[i]))
			return 0;
	return 1;
}

int keytable_bind(keytable *kt, keymode m, const ui_key *seq, size_t n, ui_action a, sbx_err *e)
{
	if (m >= KM_COUNT)
		return sbx_error(e, "unknown key mode %d", (int)m);
	if (n == 0 || n > KT_MAX_SEQ)
		return sbx_error(e, "a binding needs 1 to %d keys", KT_MAX_SEQ);
	if (a <= A_NONE || a >= A_COUNT)
		return sbx_error(e, "unknown action %d", (int)a);
	size_t j = 0;
	for (size_t i = 0; i < kt->n; i++)
		if (kt->b[i].mode != m || !overlaps(kt->b[i].seq, kt->b[i].n, seq, n))
			kt->b[j++] = kt->b[i];
	kt->n = j;
	if (kt->n == kt->cap) {
		kt->cap = kt->cap ? kt->cap * 2 : 256;
		kt->b = xrealloc(kt->b, kt->cap * sizeof *kt->b);
	}
	kt_binding *b = &kt->b[kt->n++];
	memset(b, 0, sizeof *b);
	b->mode = m;
	b->n = n;
	for (size_t i = 0; i < n; i++)
		b->seq[i] = key_normalize(seq[i]);
	b->action = a;
	return 0;
}

int keytable_unbind(keytable *kt, keymode m, const ui_key *seq, size_t n, sbx_err *e)
{
	for (size_t i = 0; i < kt->n; i++) {
		if (kt->b[i].mode == m && kt->b[i].n == n && overlaps(kt->b[i].seq, n, seq, n)) {
			memmove(&kt->b[i], &kt->b[i + 1], (kt->n - i - 1) * sizeof *kt->b);
			kt->n--;
			return 0;
		}
	}
	return sbx_error(e, "nothing is bound to those keys in %s mode", keymode_name(m));
}

static kt_match lookup_mode(const keytable *kt, keymode m, const ui_key *seq, size_t n, ui_action *a)
{
	kt_match r = KT_NONE;
	for (size_t i = 0; i < kt->n; i++) {
		const kt_binding *b = &kt->b[i];
		if (b->mode != m || b->n < n || !overlaps(b->seq, b->n, seq, n))
			continue;
		if (b->n == n) {
			*a = b->action;
			return KT_MATCH;
		}
		r = KT_PREFIX;
	}
	return r;
}

kt_match keytable_lookup(const keytable *kt, keymode m, const ui_key *seq, size_t n, ui_action *a)
{
	*a = A_NONE;
	if (n == 0 || m >= KM_COUNT)
		return KT_NONE;
	kt_match r = lookup_mode(kt, m, seq, n, a);
	if (r != KT_NONE || m == KM_TERMINAL || m == KM_GLOBAL)
		return r;
	return lookup_mode(kt, KM_GLOBAL, seq, n, a);
}

static int apply_line(keytable *kt, char *line, sbx_err *e)
{
	char *tok[KT_MAX_SEQ + 3], *save = NULL;
	size_t n = 0;
	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == sizeof tok / sizeof *tok)
			return sbx_error(e, "too many words (at most %d keys per binding)", KT_MAX_SEQ);
		tok[n++] = t;
	}
	if (n == 0)
		return 0;
	int bind = strcmp(tok[0], "bind") == 0;
	if (!bind && strcmp(tok[0], "unbind") != 0)
		return sbx_error(e, "unknown command '%s' (use bind or unbind)", tok[0]);
	size_t nkeys = n - 2 - (bind ? 1 : 0);
	if (n < (bind ? 4u : 3u))
		return sbx_error(e, bind ? "usage: bind MODE KEY... ACTION" : "usage: unbind MODE KEY...");
	int m = keymode_by_name(tok[1]);
	if (m < 0)
		return sbx_error(e, "unknown mode '%s' (global, notebook, edit, terminal, copy, files, sandboxes)", tok[1]);
	ui_key seq[KT_MAX_SEQ];
	for (size_t i = 0; i < nkeys; i++)
		if (key_parse(tok[2 + i], &seq[i], e) < 0)
			return -1;
	if (!bind)
		return keytable_unbind(kt, (keymode)m, seq, nkeys, e);
	ui_action a = ui_action_by_name(tok[n - 1]);
	if (a == A_NONE)
		return sbx_error(e, "unknown action '%s' (the help overlay lists them)", tok[n - 1]);
	return keytable_bind(kt, (keymode)m, seq, nkeys, a, e);
}

int keytable_load(keytable *kt, const char *text, const char *origin, sbx_err *e)
{
	char *copy = xstrdup(text), *p = copy;
	int lineno = 0, rc = 0;
	while (p && rc == 0) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		/* Comments are whole lines, so "#" itself can be bound. */
		size_t lead = strspn(p, " \t");
		if (p[lead] == '#')
			p[lead] = '\0';
		sbx_err le;
		if (apply_line(kt, p, &le) < 0)
			rc = sbx_error(e, "%s:%d: %s", origin, lineno, le.msg);
		p = nl ? nl + 1 : NULL;
	}
	free(copy);
	return rc;
}

int keytable_load_file(keytable *kt, const char *path, sbx_err *e)
{
	sbx_buf b = SBX_BUF_INIT;
	int rc = buf_read_file(&b, path, e) < 0 ? -1 : keytable_load(kt, buf_cstr(&b), path, e);
	buf_free(&b);
	return rc;
}
