/*
 * notebook_kernel: choosing where a notebook's cells run.  C-k lists the
 * sandbox's running contexts, then a "new <language> context" per
 * language the template really has (GET /languages, asked once per pane:
 * sbx_code_languages); while that answer is on its way, or when the agent
 * cannot give it (an older one answers 404), the picker offers the running
 * contexts and says why the languages are missing.  L gives the selected
 * cell a language of its own (E2B's per-call language: it runs in that
 * language's default context) from the same list.  The choice lands in
 * the notebook's metadata (kernelspec, language_info; a cell's in its own
 * metadata: model/nblang.h), so it is saved and comes back on load.
 */
#include "notebook_priv.h"
#include "model/nblang.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>

/* --- the sandbox's languages --------------------------------------------- */

void nbp_langs_free(nb_pane *np)
{
	if (np->lang_op)
		sbx_op_cancel(np->lang_op);
	np->lang_op = NULL;
	for (size_t i = 0; i < np->nlangs; i++) {
		free(np->langs[i].language);
		free(np->langs[i].kernel);
		free(np->langs[i].display_name);
	}
	free(np->langs);
	np->langs = NULL;
	np->nlangs = 0;
	free(np->langs_err);
	np->langs_err = NULL;
	np->langs_state = NBP_LANGS_NONE;
}

static void langs_got(const sbx_language *l, size_t n, const sbx_err *e, void *ud)
{
	nb_pane *np = ud;
	np->lang_op = NULL;
	if (e) {
		np->langs_state = NBP_LANGS_FAILED;
		free(np->langs_err);
		np->langs_err = xstrdup(e->msg);
		return;
	}
	np->langs = xcalloc(n ? n : 1, sizeof *np->langs);
	for (size_t i = 0; i < n; i++) {
		/* what the sandbox says is not trusted: a name we could not run
		 * (or show) is left out */
		char canon[NB_LANG_MAX];
		if (!nb_lang_canon(l[i].language, canon))
			continue;
		nbp_lang *d = &np->langs[np->nlangs++];
		d->language = xstrdup(canon);
		d->kernel = xstrdup(l[i].kernel && nb_lang_canon(l[i].kernel, canon) ? l[i].kernel : d->language);
		/* at most 60 bytes of it, cut at a character's start */
		const char *dn = l[i].display_name ? l[i].display_name : d->kernel;
		size_t len = strnlen(dn, 61);
		if (len > 60)
			for (len = 60; len > 0 && ((unsigned char)dn[len] & 0xc0) == 0x80; len--)
				;
		d->display_name = xstrndup(dn, len);
		for (char *p = d->display_name; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
	}
	np->langs_state = NBP_LANGS_OK;
	app_dirty(np->base.app);
}

void nbp_langs_load(nb_pane *np)
{
	session *s = np->base.session;
	/* once: a failure is asked again only from the pickers' note */
	if (np->langs_state != NBP_LANGS_NONE || np->lang_op || !s || s->state != SESSION_RUNNING)
		return;
	nbp_langs_free(np);
	sbx_err e;
	np->langs_state = NBP_LANGS_LOADING;
	if (sbx_code_languages(app_client(np->base.app), &s->sb, langs_got, np, &np->lang_op, &e) < 0) {
		np->lang_op = NULL;
		np->langs_state = NBP_LANGS_FAILED;
		np->langs_err = xstrdup(e.msg);
	}
}

static const nbp_lang *lang_find(nb_pane *np, const char *language)
{
	for (size_t i = 0; language && i < np->nlangs; i++)
		if (strcmp(np->langs[i].language, language) == 0)
			return &np->langs[i];
	return NULL;
}

/* Why the picker has no languages, as its last item (choosing it asks
 * again); NULL when it has them.  The whole reason goes to the status bar
 * (a picker line is too short for it). */
static char *langs_note(nb_pane *np, const char *key)
{
	if (np->langs_state == NBP_LANGS_OK)
		return NULL;
	sbx_buf b = SBX_BUF_INIT;
	if (np->langs_state == NBP_LANGS_FAILED) {
		app_error(np->base.app, "%s", np->langs_err ? np->langs_err : "the sandbox did not list its languages");
		buf_puts(&b, "(no languages listed: why is in the status bar; Enter asks again)");
	} else {
		buf_printf(&b, "(the template's languages are still loading: %s again in a moment)", key);
	}
	return buf_detach(&b);
}

/* --- the notebook's context ---------------------------------------------- */

typedef struct kpick {
	nb_pane *np;
	char **ids, **ctx_langs;          /* the running contexts */
	size_t n;
	char **new_langs;                 /* then a new context of these */
	size_t nnew;
} kpick;

static void kpick_free(kpick *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->ids[i]);
		free(k->ctx_langs[i]);
	}
	for (size_t i = 0; i < k->nnew; i++)
		free(k->new_langs[i]);
	free(k->ids);
	free(k->ctx_langs);
	free(k->new_langs);
	free(k);
}

static void use_context(nb_pane *np, const char *id, const char *lang)
{
	free(np->context_id);
	np->context_id = id ? xstrdup(id) : NULL;
	char cur[NB_LANG_MAX], want[NB_LANG_MAX];
	const char *l = nb_lang_canon(lang, want);
	if (!l)
		l = "python";
	const nbp_lang *k = lang_find(np, l);
	/* (the same language and kernel: the file stays as it is, not dirty) */
	if (strcmp(nb_lang_notebook(np->nb, cur), l) != 0 || (k && strcmp(nb_kernel_name(np->nb), k->kernel) != 0))
		nb_lang_set_notebook(np->nb, l, k ? k->kernel : strcmp(l, "python") == 0 ? "python3" : l,
				     k ? k->display_name : NULL);
	np->kernel = KERNEL_IDLE;
	app_dirty(np->base.app);
}

static void created(const sbx_context *ctx, const sbx_err *e, void *ud)
{
	nb_pane *np = ud;
	np->ctx_op = NULL;
	if (e) {
		np->kernel = KERNEL_IDLE;
		app_error(np->base.app, "creating the context failed: %s", e->msg);
		return;
	}
	use_context(np, ctx->id, ctx->language);
	app_info(np->base.app, "the notebook now runs in a new %s context (%.8s)",
		 ctx->language ? ctx->language : "python", ctx->id);
}

static void picked(app *a, int index, void *ud)
{
	kpick *k = ud;
	nb_pane *np = k->np;
	size_t i = (size_t)index;
	if (index < 0) {
		/* cancelled */
	} else if (i == 0) {
		use_context(np, NULL, NULL);
		app_info(a, "the notebook runs in the default python context");
	} else if (i <= k->n) {
		use_context(np, k->ids[i - 1], k->ctx_langs[i - 1]);
		app_info(a, "the notebook runs in context %.8s (%s)", k->ids[i - 1], k->ctx_langs[i - 1]);
	} else if (i - k->n - 1 < k->nnew) {
		if (!np->ctx_op && nbp_can_run(np)) {
			sbx_err e;
			np->kernel = KERNEL_BUSY;
			if (sbx_context_create(app_client(a), &np->base.session->sb, k->new_langs[i - k->n - 1], NULL,
					       created, np, &np->ctx_op, &e) < 0) {
				np->ctx_op = NULL;
				np->kernel = KERNEL_IDLE;
				app_error(a, "creating the context failed: %s", e.msg);
			}
		}
	} else if (np->langs_state == NBP_LANGS_FAILED) {
		nbp_langs_free(np);   /* the note: ask again */
		nbp_langs_load(np);
		app_info(a, "asking the sandbox for its languages again: C-k in a moment");
	}
	kpick_free(k);
}

static void listed(const sbx_context *ctx, size_t n, const sbx_err *e, void *ud)
{
	nb_pane *np = ud;
	np->ctx_op = NULL;
	if (e) {
		app_error(np->base.app, "listing the sandbox's contexts failed: %s", e->msg);
		return;
	}
	kpick *k = xcalloc(1, sizeof *k);
	k->np = np;
	k->n = n;
	k->ids = xcalloc(n ? n : 1, sizeof *k->ids);
	k->ctx_langs = xcalloc(n ? n : 1, sizeof *k->ctx_langs);
	k->nnew = np->nlangs;
	k->new_langs = xcalloc(k->nnew ? k->nnew : 1, sizeof *k->new_langs);
	char *note = langs_note(np, "C-k");
	size_t nitems = 1 + n + k->nnew + (note ? 1 : 0);
	char **items = xcalloc(nitems, sizeof *items);
	int selected = 0;
	items[0] = xstrdup("default python context");
	for (size_t i = 0; i < n; i++) {
		char canon[NB_LANG_MAX];
		const char *l = nb_lang_canon(ctx[i].language, canon);
		k->ids[i] = xstrdup(ctx[i].id ? ctx[i].id : "");
		k->ctx_langs[i] = xstrdup(l ? l : "python");
		sbx_buf b = SBX_BUF_INIT;
		buf_printf(&b, "%s context %.8s%s%.60s", k->ctx_langs[i], k->ids[i], ctx[i].cwd ? " in " : "",
			   ctx[i].cwd ? ctx[i].cwd : "");
		items[1 + i] = buf_detach(&b);
		if (np->context_id && strcmp(np->context_id, k->ids[i]) == 0)
			selected = (int)(1 + i);
	}
	for (size_t i = 0; i < k->nnew; i++) {
		k->new_langs[i] = xstrdup(np->langs[i].language);
		sbx_buf b = SBX_BUF_INIT;
		buf_printf(&b, "new %s context: %s", np->langs[i].language, np->langs[i].display_name);
		items[1 + n + i] = buf_detach(&b);
	}
	if (note)
		items[nitems - 1] = note;
	app_pick(np->base.app, &np->base, "Run this notebook in", (const char *const *)items, nitems, selected,
		 picked, k);
	for (size_t i = 0; i < nitems; i++)
		free(items[i]);
	free(items);
}

void nbp_pick_kernel(nb_pane *np)
{
	if (!nbp_can_run(np))
		return;
	if (np->ctx_op) {
		app_info(np->base.app, "the kernel is busy with another request; try again in a moment");
		return;
	}
	nbp_langs_load(np);
	sbx_err e;
	if (sbx_context_list(app_client(np->base.app), &np->base.session->sb, listed, np, &np->ctx_op, &e) < 0) {
		np->ctx_op = NULL;
		app_error(np->base.app, "listing the sandbox's contexts failed: %s", e.msg);
	}
}

/* --- a cell's own language ----------------------------------------------- */

typedef struct cpick {
	nb_pane *np;
	char *cell_id;
} cpick;

static void cell_picked(app *a, int index, void *ud)
{
	cpick *k = ud;
	nb_pane *np = k->np;
	/* cancelled (also when the pane closes: np is not to be touched) */
	long ci = index < 0 ? -1 : nb_find(np->nb, k->cell_id);
	size_t i = (size_t)index;
	char nl[NB_LANG_MAX], cl[NB_LANG_MAX];
	if (ci < 0) {
		/* cancelled, or the cell went away meanwhile */
	} else if (i == 0 || i <= np->nlangs) {
		nb_cell *c = np->nb->cells[ci];
		nb_lang_set_cell(np->nb, c, i == 0 ? NULL : np->langs[i - 1].language);
		app_info(a, "the cell runs in %s%s", nb_lang_cell(np->nb, c, cl),
			 nb_lang_cell_own(c, nl) ? "" : " (the notebook's language)");
	} else if (np->langs_state == NBP_LANGS_FAILED) {
		nbp_langs_free(np);
		nbp_langs_load(np);
		app_info(a, "asking the sandbox for its languages again: L in a moment");
	}
	free(k->cell_id);
	free(k);
}

void nbp_pick_cell_language(nb_pane *np)
{
	nb_cell *c = nbp_cell(np);
	if (c->type != NB_CODE) {
		app_info(np->base.app, "only code cells have a language (y makes this one code)");
		return;
	}
	nbp_langs_load(np);
	char nl[NB_LANG_MAX], cl[NB_LANG_MAX];
	const char *own = nb_lang_cell_own(c, cl);
	char *note = langs_note(np, "L");
	size_t nitems = 1 + np->nlangs + (note ? 1 : 0);
	char **items = xcalloc(nitems, sizeof *items);
	int selected = 0;
	sbx_buf b = SBX_BUF_INIT;
	buf_printf(&b, "the notebook's language (%s)", nb_lang_notebook(np->nb, nl));
	items[0] = buf_detach(&b);
	for (size_t i = 0; i < np->nlangs; i++) {
		buf_printf(&b, "%s: %s", np->langs[i].language, np->langs[i].display_name);
		items[1 + i] = buf_detach(&b);
		if (own && strcmp(own, np->langs[i].language) == 0)
			selected = (int)(1 + i);
	}
	if (note)
		items[nitems - 1] = note;
	cpick *k = xcalloc(1, sizeof *k);
	k->np = np;
	k->cell_id = xstrdup(c->id);
	app_pick(np->base.app, &np->base, "Run this cell in", (const char *const *)items, nitems, selected,
		 cell_picked, k);
	for (size_t i = 0; i < nitems; i++)
		free(items[i]);
	free(items);
}
