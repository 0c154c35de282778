#include "kernelspec.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void kspec_free(kspec *k)
{
	if (!k)
		return;
	free(k->name);
	free(k->dir);
	free(k->language);
	free(k->display_name);
	sbx_strv_free(k->argv);
	kv_free(&k->env);
	memset(k, 0, sizeof *k);
}

void kspec_copy(kspec *dst, const kspec *src)
{
	memset(dst, 0, sizeof *dst);
	dst->name = xstrdup(src->name);
	dst->dir = xstrdup(src->dir);
	dst->language = xstrdup(src->language);
	dst->display_name = xstrdup(src->display_name);
	dst->argv = sbx_strv_dup((const char *const *)src->argv);
	for (size_t i = 0; i < src->env.n; i++)
		kv_set(&dst->env, src->env.keys[i], src->env.values[i]);
	dst->interrupt_message = src->interrupt_message;
}

char **kspec_search_path(void)
{
	char **v = NULL;
	size_t n = 0;
	const char *jp = getenv("JUPYTER_PATH");
	if (jp && *jp) {
		char *copy = xstrdup(jp), *save = NULL;
		for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
			if (*t)
				sbx_strv_push(&v, &n, xstrdup(t));
		free(copy);
	}
	const char *home = getenv("HOME");
	if (home && *home)
		sbx_strv_push(&v, &n, xasprintf("%s/.local/share/jupyter", home));
	sbx_strv_push(&v, &n, xstrdup("/usr/local/share/jupyter"));
	sbx_strv_push(&v, &n, xstrdup("/usr/share/jupyter"));
	return v;
}

static char *lower(const char *s)
{
	char *o = xstrdup(s);
	for (char *p = o; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return o;
}

/* A python kernel must not pick up whatever python3 is first on PATH. */
static void pin_python(kspec *k)
{
	if (strcmp(k->language, "python") || !k->argv[0])
		return;
	if (!strcmp(k->argv[0], "python3") || !strcmp(k->argv[0], "python")) {
		free(k->argv[0]);
		k->argv[0] = xstrdup(KSPEC_SYSTEM_PYTHON);
	}
}

int kspec_load(const char *dir, const char *name, kspec *out, sbx_err *e)
{
	char *path = xasprintf("%s/kernel.json", dir);
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	memset(out, 0, sizeof *out);
	if (!j) {
		sbx_error(e, "kernelspec %s is not readable JSON: %s", path, je.text);
		free(path);
		return -1;
	}
	json_t *argv = json_object_get(j, "argv");
	if (!json_is_array(argv) || json_array_size(argv) == 0) {
		sbx_error(e, "kernelspec %s has no argv list; reinstall that kernel", path);
		goto fail;
	}
	out->argv = xcalloc(json_array_size(argv) + 1, sizeof(char *));
	for (size_t i = 0; i < json_array_size(argv); i++) {
		const char *s = json_string_value(json_array_get(argv, i));
		if (!s) {
			sbx_error(e, "kernelspec %s: argv[%zu] is not a string", path, i);
			goto fail;
		}
		out->argv[i] = xstrdup(s);
	}
	const char *lang = json_string_value(json_object_get(j, "language"));
	const char *dn = json_string_value(json_object_get(j, "display_name"));
	const char *im = json_string_value(json_object_get(j, "interrupt_mode"));
	out->name = xstrdup(name);
	out->dir = xstrdup(dir);
	out->language = lower(lang ? lang : name);
	out->display_name = xstrdup(dn ? dn : name);
	out->interrupt_message = im && !strcmp(im, "message");
	json_t *env = json_object_get(j, "env");
	const char *k;
	json_t *v;
	if (json_is_object(env))
		json_object_foreach(env, k, v)
			if (json_is_string(v))
				kv_set(&out->env, k, json_string_value(v));
	pin_python(out);
	json_decref(j);
	free(path);
	return 0;
fail:
	json_decref(j);
	free(path);
	kspec_free(out);
	return -1;
}

/* Calls cb for every kernelspec directory, first occurrence of a name only.
 * cb returns 1 to stop. */
typedef int (*kspec_visit)(const char *dir, const char *name, void *ud);

static int has_name(char **seen, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(seen[i], name))
			return 1;
	return 0;
}

static void foreach_spec(char *const *bases, kspec_visit cb, void *ud)
{
	char **seen = NULL;
	size_t nseen = 0;
	int stop = 0;
	for (size_t b = 0; bases[b] && !stop; b++) {
		char *kdir = xasprintf("%s/kernels", bases[b]);
		DIR *d = opendir(kdir);
		if (!d) {
			free(kdir);
			continue;
		}
		/* readdir order is arbitrary: sort for a stable answer. */
		char **names = NULL;
		size_t nn = 0;
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				sbx_strv_push(&names, &nn, xstrdup(de->d_name));
		closedir(d);
		for (size_t i = 1; i < nn; i++)
			for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
				char *t = names[j];
				names[j] = names[j - 1];
				names[j - 1] = t;
			}
		for (size_t i = 0; i < nn && !stop; i++) {
			if (has_name(seen, nseen, names[i]))
				continue;
			char *dir = xasprintf("%s/%s", kdir, names[i]);
			char *kj = xasprintf("%s/kernel.json", dir);
			struct stat st;
			if (stat(kj, &st) == 0 && S_ISREG(st.st_mode)) {
				sbx_strv_push(&seen, &nseen, xstrdup(names[i]));
				stop = cb(dir, names[i], ud);
			}
			free(kj);
			free(dir);
		}
		sbx_strv_free(names);
		free(kdir);
	}
	sbx_strv_free(seen);
}

struct find_ctx {
	const char *want_name;   /* exact kernel name wanted first */
	const char *language;
	char *by_name_dir, *by_name;
	char *by_lang_dir, *by_lang;
};

static int find_visit(const char *dir, const char *name, void *ud)
{
	struct find_ctx *f = ud;
	if (!f->by_name && !strcasecmp(name, f->want_name)) {
		f->by_name_dir = xstrdup(dir);
		f->by_name = xstrdup(name);
		return 1;
	}
	if (!f->by_lang) {
		kspec k;
		if (kspec_load(dir, name, &k, NULL) == 0) {
			if (!strcmp(k.language, f->language)) {
				f->by_lang_dir = xstrdup(dir);
				f->by_lang = xstrdup(name);
			}
			kspec_free(&k);
		}
	}
	return 0;
}

static void builtin_python(kspec *out)
{
	static char *const argv[] = { KSPEC_SYSTEM_PYTHON, "-m", "ipykernel_launcher", "-f",
				      "{connection_file}", NULL };
	memset(out, 0, sizeof *out);
	out->name = xstrdup("python3");
	out->dir = xstrdup("/usr/share/jupyter/kernels/python3");
	out->language = xstrdup("python");
	out->display_name = xstrdup("Python 3 (ipykernel)");
	out->argv = sbx_strv_dup((const char *const *)argv);
}

/* What to install for a language of the code-interpreter templates. */
static const struct {
	const char *kernel, *what;
} kernel_hints[] = {
	{ "deno", "no JavaScript/TypeScript kernel (Deno) in this template: use template code-interpreter, "
		  "or install Deno and write its kernelspec (`deno jupyter --install`)" },
	{ "ir", "no R kernel in this template: use template code-interpreter, or install r-cran-irkernel" },
	{ "bash", "no bash kernel in this template: use template code-interpreter, or `pip install bash_kernel` "
		  "and `python3 -m bash_kernel.install`" },
	{ "java", "no Java kernel in this template: build and use template code-interpreter-java "
		  "(`sbx template build code-interpreter-java`), or install openjdk-17-jdk-headless and `pip install jjava`" },
};

const char *kspec_kernel_name(const char *language)
{
	static const struct {
		const char *lang, *kernel;
	} map[] = {
		{ "python", "python3" }, { "r", "ir" }, { "javascript", "deno" }, { "typescript", "deno" },
		{ "js", "deno" }, { "ts", "deno" }, { "deno", "deno" }, { "bash", "bash" }, { "sh", "bash" },
		{ "java", "java" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcasecmp(language, map[i].lang))
			return map[i].kernel;
	return language;
}

int kspec_find(char *const *bases, const char *language, kspec *out, sbx_err *e)
{
	char **own = NULL;
	if (!bases)
		bases = own = kspec_search_path();
	struct find_ctx f = { .language = language };
	f.want_name = kspec_kernel_name(language);
	foreach_spec(bases, find_visit, &f);
	int rc = -1;
	sbx_err le;
	if (f.by_name)
		rc = kspec_load(f.by_name_dir, f.by_name, out, &le);
	if (rc < 0 && f.by_lang)
		rc = kspec_load(f.by_lang_dir, f.by_lang, out, &le);
	if (rc < 0 && !strcmp(language, "python")) {
		builtin_python(out);   /* Debian's ipykernel without its kernelspec */
		rc = 0;
	} else if (rc < 0 && (f.by_name || f.by_lang)) {
		sbx_error(e, "%s", le.msg);
	} else if (rc < 0) {
		char *list = kspec_list_installed(bases);
		const char *hint = NULL;
		for (size_t i = 0; i < sizeof kernel_hints / sizeof kernel_hints[0]; i++)
			if (!strcmp(f.want_name, kernel_hints[i].kernel))
				hint = kernel_hints[i].what;
		if (hint)
			sbx_error(e, "%s (language '%s'; installed kernels: %s)", hint, language, list);
		else
			sbx_error(e, "no Jupyter kernel for language '%s' is installed (installed kernels: %s); "
				  "install its kernelspec, or use one of these languages", language, list);
		free(list);
	}
	free(f.by_name_dir);
	free(f.by_name);
	free(f.by_lang_dir);
	free(f.by_lang);
	sbx_strv_free(own);
	return rc;
}

/* --- GET /languages ------------------------------------------------------ */

struct langs_ctx {
	char *const *bases;
	kspec_lang *v;
	size_t n;
};

static int has_lang(const struct langs_ctx *c, const char *language)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].language, language))
			return 1;
	return 0;
}

static void add_lang(struct langs_ctx *c, const char *language)
{
	kspec k;
	if (has_lang(c, language) || kspec_find(c->bases, language, &k, NULL) < 0)
		return;
	/* the built-in python needs Debian's interpreter to exist */
	if (!strcmp(language, "python") && access(k.argv[0], X_OK) < 0) {
		kspec_free(&k);
		return;
	}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n++] = (kspec_lang){ xstrdup(language), xstrdup(k.name), xstrdup(k.display_name) };
	kspec_free(&k);
}

static int langs_visit(const char *dir, const char *name, void *ud)
{
	struct langs_ctx *c = ud;
	kspec k;
	if (kspec_load(dir, name, &k, NULL) < 0)
		return 0;
	/* a kernel none of the known names asks for serves its own language */
	static const char *const known[] = { "python3", "deno", "ir", "bash", "java" };
	int is_known = 0;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		is_known |= !strcmp(name, known[i]);
	if (!is_known)
		add_lang(c, k.language);
	kspec_free(&k);
	return 0;
}

static int lang_cmp(const void *a, const void *b)
{
	const kspec_lang *x = a, *y = b;
	int px = strcmp(x->language, "python") != 0, py = strcmp(y->language, "python") != 0;
	return px != py ? px - py : strcmp(x->language, y->language);
}

size_t kspec_languages(char *const *bases, kspec_lang **out)
{
	char **own = NULL;
	if (!bases)
		bases = own = kspec_search_path();
	struct langs_ctx c = { .bases = bases };
	static const char *const langs[] = { "python", "javascript", "typescript", "r", "bash", "java" };
	for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
		add_lang(&c, langs[i]);
	foreach_spec(bases, langs_visit, &c);
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, lang_cmp);
	sbx_strv_free(own);
	*out = c.v;
	return c.n;
}

void kspec_langs_free(kspec_lang *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].language);
		free(v[i].kernel);
		free(v[i].display_name);
	}
	free(v);
}

static int list_visit(const char *dir, const char *name, void *ud)
{
	sbx_buf *b = ud;
	kspec k;
	if (kspec_load(dir, name, &k, NULL) < 0)
		return 0;
	buf_printf(b, "%s%s (%s)", b->len ? ", " : "", name, k.language);
	kspec_free(&k);
	return 0;
}

char *kspec_list_installed(char *const *bases)
{
	char **own = NULL;
	if (!bases)
		bases = own = kspec_search_path();
	sbx_buf b = SBX_BUF_INIT;
	foreach_spec(bases, list_visit, &b);
	sbx_strv_free(own);
	if (!b.len)
		return xstrdup("none");
	return buf_detach(&b);
}

/* s with every {name} replaced by value; heap string. */
static char *subst(const char *s, const char *name, const char *value)
{
	sbx_buf b = SBX_BUF_INIT;
	size_t nl = strlen(name);
	const char *at;
	while ((at = strstr(s, name))) {
		buf_append(&b, s, (size_t)(at - s));
		buf_puts(&b, value);
		s = at + nl;
	}
	buf_puts(&b, s);
	return buf_detach(&b);
}

char **kspec_argv(const kspec *k, const char *connection_file)
{
	char **v = sbx_strv_dup((const char *const *)k->argv);
	for (char **p = v; *p; p++) {
		char *a = subst(*p, "{connection_file}", connection_file);
		char *b = subst(a, "{resource_dir}", k->dir ? k->dir : "");
		free(a);
		free(*p);
		*p = b;
	}
	return v;
}

int kspec_is_ipykernel(const kspec *k)
{
	for (char **p = k->argv; *p; p++)
		if (strstr(*p, "ipykernel"))
			return 1;
	return 0;
}
