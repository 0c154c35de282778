/*
 * notebook_io: the notebook on the host's disk — save and save-as
 * (ipynb_save, atomic), the autosave every few seconds while there are
 * unsaved changes (discarded by a real save), the offer to restore
 * autosaves a previous run left, and saving one output (a chart's PNG or
 * its JSON) to a host file.
 */
#include "notebook_priv.h"
#include "model/autosave.h"
#include "model/image.h"
#include "model/ipynb.h"
#include "../src/util/b64.h"
#include "../src/util/xalloc.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AUTOSAVE_MS 5000

static void discard_file(nb_pane *np, const char *nb_path)
{
	char *p = nb_autosave_path(app_state_dir(np->base.app), nb_path, app_session_tag(np->base.app));
	nb_autosave_discard(p, NULL);
	free(p);
}

void nbp_autosave_discard(nb_pane *np)
{
	discard_file(np, np->path);
	if (np->path)
		discard_file(np, NULL);   /* from before it had a name */
	if (np->restored_from) {
		nb_autosave_discard(np->restored_from, NULL);
		free(np->restored_from);
		np->restored_from = NULL;
	}
}

int nbp_save(nb_pane *np, const char *path)
{
	nbp_sync_editor(np);
	sbx_err e;
	if (ipynb_save(np->nb, path, &e) < 0) {
		app_error(np->base.app, "saving the notebook failed: %s", e.msg);
		return -1;
	}
	int renamed = !np->path || strcmp(np->path, path) != 0;
	if (renamed)
		nbp_autosave_discard(np);   /* under the old name */
	nbp_set_path(np, path);
	np->saved_version = np->autosaved_version = np->nb->version;
	nbp_autosave_discard(np);
	app_info(np->base.app, "saved %s", path);
	app_dirty(np->base.app);
	return 0;
}

static void save_as_answer(app *a, const char *text, void *ud)
{
	(void)a;
	nb_pane *np = ud;
	if (!text)
		return;
	while (*text == ' ')
		text++;
	if (!*text) {
		app_error(np->base.app, "not saved: give a file name, e.g. analysis.ipynb");
		return;
	}
	sbx_buf p = SBX_BUF_INIT;
	buf_puts(&p, text);
	if (p.len < 6 || strcmp(p.data + p.len - 6, ".ipynb") != 0)
		buf_puts(&p, ".ipynb");
	nbp_save(np, p.data);
	buf_free(&p);
}

void nbp_save_as(nb_pane *np)
{
	app_prompt(np->base.app, &np->base, "Save notebook as (host path)", np->path ? np->path : "untitled.ipynb",
		   save_as_answer, np);
}

void nbp_autosave_now(nb_pane *np)
{
	nbp_sync_editor(np);
	if (np->nb->version == np->autosaved_version || np->nb->version == np->saved_version)
		return;
	sbx_err e;
	if (nb_autosave(np->nb, app_state_dir(np->base.app), np->path, app_session_tag(np->base.app), &e) < 0) {
		app_error(np->base.app, "autosave failed: %s (save with C-s)", e.msg);
		/* try again only after the next change, not every 5 s */
	}
	np->autosaved_version = np->nb->version;
}

static int64_t autosave_tick(sbx_loop *l, int64_t id, void *ud)
{
	(void)l;
	(void)id;
	nbp_autosave_now(ud);
	return AUTOSAVE_MS;
}

void nbp_autosave_start(nb_pane *np)
{
	np->autosave_timer = loop_add_timer(app_loop(np->base.app), AUTOSAVE_MS, autosave_tick, np);
}

void nbp_autosave_stop(nb_pane *np)
{
	if (np->autosave_timer > 0)
		loop_del_timer(app_loop(np->base.app), np->autosave_timer);
	np->autosave_timer = 0;
}

/* --- saving an output ----------------------------------------------------- */

typedef struct out_save {
	nb_pane *np;
	int json;                     /* the chart's JSON rather than the PNG */
	size_t cell;                  /* where the output was asked for */
	char *cell_id;
} out_save;

/* The output of c worth saving: a picture or a chart. */
static const nb_output *savable(const nb_cell *c)
{
	for (size_t i = 0; i < c->noutputs; i++) {
		size_t len;
		if (nbp_output_png(&c->outputs[i], &len) || nb_output_json(&c->outputs[i], NB_MIME_E2B_CHART) ||
		    nb_output_json(&c->outputs[i], NB_MIME_E2B_DATA))
			return &c->outputs[i];
	}
	return NULL;
}

static void save_output_answer(app *a, const char *text, void *ud)
{
	out_save *os = ud;
	nb_pane *np = os->np;
	long ci = text ? nb_find(np->nb, os->cell_id) : -1;
	const nb_output *o = ci >= 0 ? savable(np->nb->cells[ci]) : NULL;
	if (text && !o)
		app_error(a, "not saved: the output is gone");
	if (o && *text) {
		sbx_err e;
		int rc;
		if (os->json) {
			const json_t *j = nb_output_json(o, NB_MIME_E2B_CHART);
			if (!j)
				j = nb_output_json(o, NB_MIME_E2B_DATA);
			char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);
			rc = ipynb_write_atomic(text, s, strlen(s), &e);
			free(s);
		} else {
			size_t len, n;
			const char *b64 = nbp_output_png(o, &len);
			/* notebooks may wrap base64 lines */
			sbx_buf clean = SBX_BUF_INIT;
			for (size_t i = 0; i < len; i++)
				if (b64[i] != '\n' && b64[i] != '\r' && b64[i] != ' ')
					buf_putc(&clean, b64[i]);
			unsigned char *png = b64_decode(buf_cstr(&clean), clean.len, &n);
			buf_free(&clean);
			if (!png)
				rc = sbx_error(&e, "the image is not valid base64");
			else
				rc = ipynb_write_atomic(text, (const char *)png, n, &e);
			free(png);
		}
		if (rc < 0)
			app_error(a, "saving the output failed: %s", e.msg);
		else
			app_info(a, "saved %s", text);
	}
	free(os->cell_id);
	free(os);
}

void nbp_save_output(nb_pane *np)
{
	nb_cell *c = nbp_cell(np);
	const nb_output *o = savable(c);
	if (!o) {
		app_info(np->base.app, "this cell has no image or chart to save");
		return;
	}
	size_t len;
	int json = !nbp_output_png(o, &len) || nbp_view_of(np, c)->show_data;
	out_save *os = xcalloc(1, sizeof *os);
	os->np = np;
	os->json = json;
	os->cell_id = xstrdup(c->id);
	app_prompt(np->base.app, &np->base, json ? "Save the chart's JSON to (host path)" : "Save the image to (host path)",
		   json ? "chart.json" : "output.png", save_output_answer, os);
}

/* --- restoring autosaves ---------------------------------------------------- */

typedef struct restore_offer {
	app *a;
	char *session_id;
	nb_autosave_entry *v;
	size_t n;
} restore_offer;

static void restore_picked(app *a, int index, void *ud)
{
	restore_offer *ro = ud;
	if (index >= 0 && (size_t)index < ro->n) {
		const nb_autosave_entry *en = &ro->v[index];
		sbx_err e;
		notebook *nb = nb_autosave_restore(en->path, &e);
		session *s = app_find_session(a, ro->session_id);
		pane *p = NULL;
		if (!nb)
			app_error(a, "restoring %s failed: %s", en->path, e.msg);
		else if (!s)
			nb_free(nb), app_error(a, "restoring failed: the sandbox tab was closed; restart to be asked again");
		else if (!(p = nbp_new_with(a, s, nb, en->origin, &e)))
			app_error(a, "restoring %s failed: %s", en->path, e.msg);
		if (p) {
			nb_pane *np = (nb_pane *)p;
			np->restored_from = xstrdup(en->path);
			np->saved_version = 0;   /* unsaved until the user saves it */
			np->autosaved_version = np->nb->version;
			app_add_pane(a, s, p, 0);
			app_info(a, "restored %s; save it with C-s", en->origin ? en->origin : "an untitled notebook");
		}
	} else if (index >= 0 && (size_t)index == ro->n) {
		for (size_t i = 0; i < ro->n; i++)
			nb_autosave_discard(ro->v[i].path, NULL);
		app_info(a, "discarded %zu unsaved notebook%s", ro->n, ro->n == 1 ? "" : "s");
	}
	nb_autosave_list_free(ro->v, ro->n);
	free(ro->session_id);
	free(ro);
}

void notebook_offer_restore(app *a, session *s)
{
	nb_autosave_entry *v;
	size_t n;
	sbx_err e;
	if (nb_autosave_list(app_state_dir(a), &v, &n, &e) < 0) {
		app_error(a, "cannot look for unsaved notebooks: %s", e.msg);
		return;
	}
	if (n == 0)
		return;
	char **items = xcalloc(n + 2, sizeof *items);
	for (size_t i = 0; i < n; i++) {
		char when[32];
		struct tm tm;
		localtime_r(&v[i].mtime, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		sbx_buf b = SBX_BUF_INIT;
		buf_printf(&b, "Restore unsaved notebook %s (%s)", v[i].origin ? v[i].origin : "untitled", when);
		items[i] = buf_detach(&b);
	}
	items[n] = xstrdup("Discard all");
	items[n + 1] = xstrdup("Not now");
	restore_offer *ro = xcalloc(1, sizeof *ro);
	ro->a = a;
	ro->session_id = xstrdup(s->id);
	ro->v = v;
	ro->n = n;
	app_pick(a, NULL, "Unsaved notebooks from an earlier run", (const char *const *)items, n + 2, 0,
		 restore_picked, ro);
	for (size_t i = 0; i < n + 2; i++)
		free(items[i]);
	free(items);
}
