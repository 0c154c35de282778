/*
 * kernelspec: which Jupyter kernel runs a language, and how to start it.
 *
 * Kernelspecs are directories <base>/kernels/<name>/kernel.json, searched in
 * Jupyter's order: each entry of $JUPYTER_PATH, ~/.local/share/jupyter,
 * /usr/local/share/jupyter, /usr/share/jupyter (first hit for a name wins).
 *
 * Language → kernel name: python → python3, r → ir, javascript, typescript,
 * js, ts, deno → deno, bash, sh → bash, java → java; anything else is looked
 * up as a name; then the kernelspec whose language equals it (both
 * case-insensitive).  A known language whose kernel is missing gets an error
 * naming what to install.
 * Python kernels never run a bare "python3"/"python" from PATH (on
 * developer machines that can be an interpreter without Debian's packages):
 * such an argv[0] becomes /usr/bin/python3, and with no python3 kernelspec
 * at all we use /usr/bin/python3 -m ipykernel_launcher.
 */
#ifndef SBX_KERNELSPEC_H
#define SBX_KERNELSPEC_H
#include <stddef.h>
#include "../util/err.h"
#include "../util/kv.h"
#include "../util/strv.h"

#define KSPEC_SYSTEM_PYTHON "/usr/bin/python3"

typedef struct kspec {
	char *name;          /* directory name, e.g. "python3" */
	char *dir;           /* the kernelspec directory ({resource_dir}) */
	char *language;      /* lowercased kernel.json language, e.g. "python" */
	char *display_name;
	char **argv;         /* NULL-terminated, may contain {connection_file}
			      * and {resource_dir} */
	kvlist env;          /* kernel.json "env" */
	int interrupt_message;  /* interrupt_mode "message" (else signal) */
} kspec;

void kspec_free(kspec *k);
void kspec_copy(kspec *dst, const kspec *src);

/* The search bases (…/share/jupyter), in order; free with sbx_strv_free. */
char **kspec_search_path(void);

/* Finds the kernel for language (already normalised: lowercase, "python"
 * for empty) in the given bases (NULL: kspec_search_path()).  On failure e
 * names the installed kernels. */
int kspec_find(char *const *bases, const char *language, kspec *out, sbx_err *e);

/* Reads one kernelspec directory's kernel.json. */
int kspec_load(const char *dir, const char *name, kspec *out, sbx_err *e);

/* "python3 (python), ir (r)" or "none"; heap string. */
char *kspec_list_installed(char *const *bases);

/* The kernel name a language asks for first ("deno" for "js"); static. */
const char *kspec_kernel_name(const char *language);

/* One language a kernel serves, as GET /languages lists it. */
typedef struct kspec_lang {
	char *language, *kernel, *display_name;
} kspec_lang;
/* The languages whose kernel kspec_find finds in bases (NULL: the search
 * path): python first, then by language name.  Returns the count; *out is a
 * heap array to free with kspec_langs_free. */
size_t kspec_languages(char *const *bases, kspec_lang **out);
void kspec_langs_free(kspec_lang *v, size_t n);

/* argv with {connection_file} and {resource_dir} (the spec's directory)
 * replaced, as jupyter_client does; NULL-terminated heap array. */
char **kspec_argv(const kspec *k, const char *connection_file);

/* 1 when this kernel is ipykernel (so IPython options apply). */
int kspec_is_ipykernel(const kspec *k);

#endif
