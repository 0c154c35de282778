/*
 * ai_settings: the AI pane's provider (a pick from ai_providers_list,
 * unusable ones saying what to set) and model (typed), the transcript
 * saved as JSON (ai_conv_to_json), a new conversation.
 */
#include "ai_priv.h"
#include "../src/util/xalloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int aip_blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* --- provider, model, transcript ------------------------------------------------ */

static void set_provider(ai_pane *ap, const char *name, const char *model)
{
	ai_provider np;
	sbx_err e;
	if (ai_provider_resolve(&ap->env, name, model, &np, &e) < 0) {
		if (!ap->have_prov) {
			free(ap->prov_error);
			ap->prov_error = xstrdup(e.msg);
		}
		app_error(ap->p.app, "%s", e.msg);
		return;
	}
	if (ap->have_prov)
		ai_provider_free(&ap->prov);
	ap->prov = np;
	ap->have_prov = 1;
	free(ap->prov_error);
	ap->prov_error = NULL;
	app_info(ap->p.app, "the AI pane now uses %s, model %s", np.name, np.model ? np.model : "(default)");
}

typedef struct prov_pick {
	ai_pane *ap;
	ai_provider *v;
	size_t n;
} prov_pick;

static void picked(app *a, int index, void *ud)
{
	(void)a;
	prov_pick *pp = ud;
	if (index >= 0 && (size_t)index < pp->n) {
		ai_provider *p = &pp->v[index];
		if (p->missing)
			app_error(pp->ap->p.app, "%s cannot be used yet: %s", p->name, p->missing);
		else
			set_provider(pp->ap, p->name, NULL);
		app_dirty(pp->ap->p.app);
	}
	ai_providers_free(pp->v, pp->n);
	free(pp);
}

void aip_pick_provider(ai_pane *ap)
{
	prov_pick *pp = xcalloc(1, sizeof *pp);
	pp->ap = ap;
	sbx_err e;
	if (ai_providers_list(&ap->env, &pp->v, &pp->n, &e) < 0 || pp->n == 0) {
		app_error(ap->p.app, "%s", pp->n ? e.msg : "no providers are known");
		ai_providers_free(pp->v, pp->n);
		free(pp);
		return;
	}
	char **items = xcalloc(pp->n, sizeof *items);
	int sel = 0;
	for (size_t i = 0; i < pp->n; i++) {
		ai_provider *p = &pp->v[i];
		if (p->missing)
			items[i] = xasprintf("%-10s  unusable: %s", p->name, p->missing);
		else
			items[i] = xasprintf("%-10s  %s  (%s)", p->name, p->model ? p->model : "", p->base_url);
		if (ap->have_prov && strcmp(p->name, ap->prov.name) == 0)
			sel = (int)i;
	}
	app_pick(ap->p.app, &ap->p, "Model provider", (const char *const *)items, pp->n, sel, picked, pp);
	for (size_t i = 0; i < pp->n; i++)
		free(items[i]);
	free(items);
}

static void model_typed(app *a, const char *text, void *ud)
{
	(void)a;
	ai_pane *ap = ud;
	if (!text || aip_blank(text) || !ap->have_prov)
		return;
	char *name = xstrdup(ap->prov.name);
	set_provider(ap, name, text + strspn(text, " \t"));
	free(name);
	app_dirty(ap->p.app);
}

void aip_pick_model(ai_pane *ap)
{
	if (!ap->have_prov) {
		char k[32];
		app_error(ap->p.app, "choose a provider first (%s)", app_key_hint(ap->p.app, KM_AI, A_AI_PROVIDER, k, sizeof k));
		return;
	}
	char title[128];
	snprintf(title, sizeof title, "Model for %.60s", ap->prov.name);
	app_prompt(ap->p.app, &ap->p, title, ap->prov.model ? ap->prov.model : "", model_typed, ap);
}

static void save_typed(app *a, const char *path, void *ud)
{
	ai_pane *ap = ud;
	if (!path || aip_blank(path))
		return;
	json_t *j = ai_conv_to_json(&ap->conv);
	if (!j || json_dump_file(j, path, JSON_INDENT(2)) < 0)
		app_error(a, "cannot write the transcript to %s: %s (choose a writable path)", path, strerror(errno));
	else
		app_info(a, "transcript saved to %s (%zu messages)", path, ap->conv.n);
	json_decref(j);
}

void aip_save_transcript(ai_pane *ap)
{
	char initial[128];
	snprintf(initial, sizeof initial, "sbx-ai-%.12s.json", ap->p.session ? ap->p.session->id : "transcript");
	app_prompt(ap->p.app, &ap->p, "Save the transcript (JSON, a path on this machine)", initial, save_typed, ap);
}

void aip_new_conversation(ai_pane *ap)
{
	if (ap->phase != PH_IDLE) {
		app_info(ap->p.app, "the model is still working: stop it first");
		return;
	}
	char *sys = ap->conv.system ? xstrdup(ap->conv.system) : NULL;
	ai_conv_free(&ap->conv);
	ai_conv_init(&ap->conv, sys);
	free(sys);
	aichat_clear(ap->chat);
	ap->follow = 1;
	app_info(ap->p.app, "a new conversation: the model forgets the earlier one (the notebook keeps its cells)");
}
