/*
 * kernelspec: which Jupyter kernel runs a language, and how to start it.
 *
 * Kernelspecs are directories <base>/kernels/<name>/kernel.json, searched in
 * Jupyter's order: each entry of $JUPYTER_PATH, ~/.local/share/jupyter,
 * /usr/local/share/jupyter, /usr/share/jupyter (first hit for a name wins).
 *
 * Language → kernel: "python" → "python3", "r" → "ir", anything else → the
 * kernelspec whose name, or else whose language, equals it (case-insensitive).
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
	char *language;      /* lowercased kernel.json language, e.g. "python" */
	char *display_name;
	char **argv;         /* NULL-terminated, may contain {connection_file} */
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

/* argv with {connection_file} replaced; NULL-terminated heap array. */
char **kspec_argv(const kspec *k, const char *connection_file);

/* 1 when this kernel is ipykernel (so IPython options apply). */
int kspec_is_ipykernel(const kspec *k);

#endif
