/* nblang: notebook and cell languages; see nblang.h.  curses-free. */
#include "nblang.h"
#include <string.h>

const char *nb_lang_canon(const char *in, char out[NB_LANG_MAX])
{
	if (!in)
		return NULL;
	size_t n = 0;
	for (; *in && n < NB_LANG_MAX - 1; in++) {
		char ch = *in;
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || strchr("+#._-", ch))
			out[n++] = ch;
		else
			return NULL;
	}
	if (*in || n == 0)
		return NULL;   /* too long or empty: not a name we would run */
	out[n] = 0;
	static const char *const alias[][2] = { { "js", "javascript" }, { "ts", "typescript" }, { "sh", "bash" } };
	for (size_t i = 0; i < sizeof alias / sizeof *alias; i++)
		if (strcmp(out, alias[i][0]) == 0)
			strcpy(out, alias[i][1]);
	return out;
}

const char *nb_lang_notebook(const notebook *nb, char out[NB_LANG_MAX])
{
	const json_t *md = nb->metadata;
	const char *s = nb_lang_canon(
		json_string_value(json_object_get(json_object_get(md, "kernelspec"), "language")), out);
	if (!s)
		s = nb_lang_canon(json_string_value(json_object_get(json_object_get(md, "language_info"), "name")),
				  out);
	if (!s) {
		strcpy(out, "python");
		s = out;
	}
	return s;
}

const char *nb_lang_cell_own(const nb_cell *c, char out[NB_LANG_MAX])
{
	if (c->type != NB_CODE)
		return NULL;
	return nb_lang_canon(json_string_value(json_object_get(json_object_get(c->metadata, "sbx"), "language")),
			     out);
}

const char *nb_lang_cell(const notebook *nb, const nb_cell *c, char out[NB_LANG_MAX])
{
	const char *s = nb_lang_cell_own(c, out);
	return s ? s : nb_lang_notebook(nb, out);
}

/* w canonical or NULL (no own language). */
static void set_own(notebook *nb, nb_cell *c, const char *w)
{
	char cur[NB_LANG_MAX];
	const char *have = nb_lang_cell_own(c, cur);
	if ((!w && !have && !json_object_get(json_object_get(c->metadata, "sbx"), "language")) ||
	    (w && have && strcmp(w, have) == 0))
		return;
	if (!json_is_object(c->metadata)) {
		json_decref(c->metadata);
		c->metadata = json_object();
	}
	json_t *sbx = json_object_get(c->metadata, "sbx");
	if (!json_is_object(sbx)) {
		sbx = json_object();
		json_object_set_new(c->metadata, "sbx", sbx);
	}
	if (w)
		json_object_set_new(sbx, "language", json_string(w));
	else
		json_object_del(sbx, "language");
	if (json_object_size(sbx) == 0)
		json_object_del(c->metadata, "sbx");
	nb->version++;
}

void nb_lang_set_cell(notebook *nb, nb_cell *c, const char *lang)
{
	char want[NB_LANG_MAX], def[NB_LANG_MAX];
	const char *w = c->type == NB_CODE ? nb_lang_canon(lang, want) : NULL;
	if (w && strcmp(w, nb_lang_notebook(nb, def)) == 0)
		w = NULL;
	set_own(nb, c, w);
}

void nb_lang_set_notebook(notebook *nb, const char *lang, const char *kernel, const char *display_name)
{
	char old[NB_LANG_MAX], want[NB_LANG_MAX], own[NB_LANG_MAX];
	const char *w = nb_lang_canon(lang, want);
	if (!w)
		w = strcpy(want, "python");
	nb_lang_notebook(nb, old);
	if (strcmp(old, w) != 0)
		for (size_t i = 0; i < nb->ncells; i++) {
			nb_cell *c = nb->cells[i];
			if (c->type != NB_CODE)
				continue;
			const char *o = nb_lang_cell_own(c, own);
			if (!o && c->execution_count >= 0)
				set_own(nb, c, old);
		}
	nb_set_kernel(nb, kernel ? kernel : w, display_name, w);
	for (size_t i = 0; i < nb->ncells; i++) {
		const char *o = nb_lang_cell_own(nb->cells[i], own);
		if (o && strcmp(o, w) == 0)
			set_own(nb, nb->cells[i], NULL);
	}
}

int nb_lang_shown(const notebook *nb, const nb_cell *c)
{
	char a[NB_LANG_MAX], b[NB_LANG_MAX];
	if (c->type != NB_CODE)
		return 0;
	return strcmp(nb_lang_cell(nb, c, a), "python") != 0 || strcmp(nb_lang_notebook(nb, b), "python") != 0;
}
