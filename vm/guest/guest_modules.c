/* guest_modules: which kernel modules the initramfs carries and in which
 * order init loads them — modules.dep read (or written from the modules'
 * own .modinfo, as depmod does), modules.builtin honoured. */
#include "guest_int.h"
#include "../../src/util/run.h"
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "../../src/util/xalloc.h"

const char *const guest_modules[] = {
	"virtio_ring", "virtio", "virtio_pci", "virtio_mmio", "virtio_blk", "virtio_net", "net_failover",
	"failover", "virtio_console", "vsock", "vmw_vsock_virtio_transport_common",
	"vmw_vsock_virtio_transport", "virtio_rng", "rng_core", "crc16", "mbcache", "jbd2", "ext4",
};
const size_t guest_nmodules = sizeof guest_modules / sizeof guest_modules[0];

char *gmod_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strcspn(base, ".");
	char *s = xstrndup(base, n);
	for (char *p = s; *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

static int is_module_file(const char *name)
{
	const char *k = strstr(name, ".ko");
	return k && (!strcmp(k, ".ko") || !strcmp(k, ".ko.xz") || !strcmp(k, ".ko.zst"));
}

/* ── .modinfo ── */

int gmod_depends(const void *elf, size_t len, sbx_buf *out, sbx_err *e)
{
	const unsigned char *p = elf;
	Elf64_Ehdr h;
	Elf64_Shdr strs, sh;
	/* Headers are copied out: offsets in a file need not be aligned. */
	if (len < sizeof h || memcmp(p, ELFMAG, SELFMAG) || p[EI_CLASS] != ELFCLASS64)
		return sbx_error(e, "not a 64-bit ELF module");
	memcpy(&h, p, sizeof h);
	if (h.e_shentsize != sizeof(Elf64_Shdr) || h.e_shoff > len ||
	    (len - h.e_shoff) / sizeof(Elf64_Shdr) < h.e_shnum || h.e_shstrndx >= h.e_shnum)
		return sbx_error(e, "the module's section table is out of bounds");
	memcpy(&strs, p + h.e_shoff + (size_t)h.e_shstrndx * sizeof strs, sizeof strs);
	if (strs.sh_offset > len || strs.sh_size > len - strs.sh_offset)
		return sbx_error(e, "the module's section names are out of bounds");
	for (unsigned i = 0; i < h.e_shnum; i++) {
		memcpy(&sh, p + h.e_shoff + (size_t)i * sizeof sh, sizeof sh);
		if (sh.sh_name >= strs.sh_size)
			continue;
		const char *nm = (const char *)p + strs.sh_offset + sh.sh_name;
		if (strnlen(nm, strs.sh_size - sh.sh_name) != 8 || memcmp(nm, ".modinfo", 8))
			continue;
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset)
			return sbx_error(e, "the module's .modinfo is out of bounds");
		const char *s = (const char *)p + sh.sh_offset, *end = s + sh.sh_size;
		while (s < end) {
			size_t n = strnlen(s, (size_t)(end - s));
			if (n > 8 && !memcmp(s, "depends=", 8))
				buf_append(out, s + 8, n - 8);
			s += n + 1;
		}
		return 0;
	}
	return sbx_error(e, "the module has no .modinfo section");
}

int gmod_read(const char *path, sbx_buf *out, sbx_err *e)
{
	size_t n = strlen(path);
	const char *tool = n > 3 && !strcmp(path + n - 3, ".xz") ? "xz" :
			   n > 4 && !strcmp(path + n - 4, ".zst") ? "zstd" : NULL;
	if (!tool)
		return buf_read_file(out, path, e);
	char *argv[] = { (char *)tool, (char *)"-dc", (char *)path, NULL };
	sbx_buf all = SBX_BUF_INIT;
	/* guest_run merges stderr: a failing run has its message in *e, a
	 * good one writes nothing there. */
	int rc = run_capture(NULL, argv, &all, e);
	if (rc == 0)
		buf_append(out, all.data, all.len);
	buf_free(&all);
	return rc;
}

/* ── the module tree ── */

typedef struct modmap {
	char **names, **paths;   /* paths relative to the modules dir */
	size_t n;
} modmap;

static void modmap_free(modmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->names[i]);
		free(m->paths[i]);
	}
	free(m->names);
	free(m->paths);
}

static int walk(const char *root, const char *rel, modmap *m, sbx_err *e)
{
	char *dir = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	if (!d) {
		sbx_error_errno(e, "cannot read the kernel's modules in %s", dir);
		free(dir);
		return -1;
	}
	int rc = 0;
	for (struct dirent *de; rc == 0 && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		char *r = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		char *full = xasprintf("%s/%s", root, r);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = walk(root, r, m, e);
			free(r);
		} else if (S_ISREG(st.st_mode) && is_module_file(de->d_name)) {
			m->names = xrealloc(m->names, (m->n + 1) * sizeof *m->names);
			m->paths = xrealloc(m->paths, (m->n + 1) * sizeof *m->paths);
			m->names[m->n] = gmod_name(de->d_name);
			m->paths[m->n++] = r;
		} else {
			free(r);
		}
		free(full);
	}
	closedir(d);
	free(dir);
	return rc;
}

static const char *modmap_find(const modmap *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->names[i], name))
			return m->paths[i];
	return NULL;
}

/* Whether name is in modules.builtin (lines "kernel/…/name.ko"). */
static int is_builtin(const char *builtin_text, const char *name)
{
	int found = 0;
	const char *s = builtin_text ? builtin_text : "";
	while (*s && !found) {
		size_t n = strcspn(s, "\n");
		char *line = xstrndup(s, n);
		char *nm = n ? gmod_name(line) : NULL;
		found = nm && !strcmp(nm, name);
		free(nm);
		free(line);
		s += n + (s[n] == '\n');
	}
	return found;
}

int gmod_depfile(const char *moddir, const char *builtin_text, const char *const *wanted, size_t nwanted,
		 sbx_buf *out, sbx_err *e)
{
	modmap m = { 0 };
	if (walk(moddir, "", &m, e) < 0) {
		modmap_free(&m);
		return -1;
	}
	/* Breadth-first from the wanted modules: queue of names, each once. */
	char **queue = NULL;
	size_t nq = 0, done = 0;
	int rc = 0;
	for (size_t i = 0; i < nwanted; i++) {
		char *nm = gmod_name(wanted[i]);
		if (!modmap_find(&m, nm) || is_builtin(builtin_text, nm)) {
			free(nm);   /* gmod_order says which are missing */
			continue;
		}
		queue = xrealloc(queue, (nq + 1) * sizeof *queue);
		queue[nq++] = nm;
	}
	while (rc == 0 && done < nq) {
		const char *path = modmap_find(&m, queue[done++]);
		char *full = xasprintf("%s/%s", moddir, path);
		sbx_buf ko = SBX_BUF_INIT, deps = SBX_BUF_INIT;
		rc = gmod_read(full, &ko, e);
		if (rc == 0 && gmod_depends(ko.data, ko.len, &deps, e) < 0)
			rc = sbx_error(e, "%s: %s", full, e->msg);
		if (rc == 0) {
			buf_printf(out, "%s:", path);
			buf_putc(&deps, '\0');   /* data never NULL below */
			for (char *save = NULL, *d = strtok_r(deps.data, ",", &save); d;
			     d = strtok_r(NULL, ",", &save)) {
				char *dn = gmod_name(d);
				const char *dp = modmap_find(&m, dn);
				if (!dp) {
					rc = sbx_error(e, "module %s depends on %s, which is not in %s", path, d, moddir);
					free(dn);
					break;
				}
				buf_printf(out, " %s", dp);
				size_t k = 0;
				while (k < nq && strcmp(queue[k], dn))
					k++;
				if (k < nq) {
					free(dn);
				} else {
					queue = xrealloc(queue, (nq + 1) * sizeof *queue);
					queue[nq++] = dn;
				}
			}
			buf_putc(out, '\n');
		}
		buf_free(&ko);
		buf_free(&deps);
		free(full);
	}
	for (size_t i = 0; i < nq; i++)
		free(queue[i]);
	free(queue);
	modmap_free(&m);
	return rc;
}

/* ── the order ── */

typedef struct depline {
	char *name, *path;
	char **deps;   /* paths */
	size_t ndeps;
	int state;     /* 0 new, 1 visiting, 2 placed */
} depline;

typedef struct depset {
	depline *l;
	size_t n;
} depset;

static void depset_free(depset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->l[i].name);
		free(s->l[i].path);
		for (size_t j = 0; j < s->l[i].ndeps; j++)
			free(s->l[i].deps[j]);
		free(s->l[i].deps);
	}
	free(s->l);
}

static int depset_parse(const char *text, depset *s, sbx_err *e)
{
	int lineno = 0;
	while (text && *text) {
		size_t n = strcspn(text, "\n");
		char *line = xstrndup(text, n);
		text += n + (text[n] == '\n');
		lineno++;
		char *colon = strchr(line, ':');
		if (!*line) {
			free(line);
			continue;
		}
		if (!colon || colon == line) {
			free(line);
			return sbx_error(e, "modules.dep line %d is not 'path: deps…'", lineno);
		}
		*colon = 0;
		s->l = xrealloc(s->l, (s->n + 1) * sizeof *s->l);
		depline *d = &s->l[s->n++];
		memset(d, 0, sizeof *d);
		d->path = xstrdup(line);
		d->name = gmod_name(line);
		for (char *save = NULL, *w = strtok_r(colon + 1, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			d->deps = xrealloc(d->deps, (d->ndeps + 1) * sizeof *d->deps);
			d->deps[d->ndeps++] = xstrdup(w);
		}
		free(line);
	}
	return 0;
}

static depline *by_name(depset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->l[i].name, name))
			return &s->l[i];
	return NULL;
}

static int place(depset *s, depline *d, char ***paths, size_t *np, sbx_err *e)
{
	if (d->state == 2)
		return 0;
	if (d->state == 1)
		return sbx_error(e, "modules.dep has a dependency cycle through %s", d->name);
	d->state = 1;
	/* depmod lists a module's dependencies last-needed first (modprobe
	 * loads them back to front); a depth-first walk gives the same
	 * order whatever the list's order. */
	for (size_t i = d->ndeps; i-- > 0;) {
		char *dn = gmod_name(d->deps[i]);
		depline *dd = by_name(s, dn);
		free(dn);
		if (!dd)
			return sbx_error(e, "modules.dep lists %s as a dependency of %s but has no line for it",
					 d->deps[i], d->name);
		if (place(s, dd, paths, np, e) < 0)
			return -1;
	}
	d->state = 2;
	*paths = xrealloc(*paths, (*np + 1) * sizeof **paths);
	(*paths)[(*np)++] = xstrdup(d->path);
	return 0;
}

int gmod_order(const char *dep_text, const char *builtin_text, const char *const *wanted, size_t nwanted,
	       char ***paths, size_t *npaths, sbx_err *e)
{
	depset s = { 0 };
	*paths = NULL;
	*npaths = 0;
	int rc = depset_parse(dep_text, &s, e);
	for (size_t i = 0; rc == 0 && i < nwanted; i++) {
		char *nm = gmod_name(wanted[i]);
		depline *d = by_name(&s, nm);
		if (d)
			rc = place(&s, d, paths, npaths, e);
		else if (!is_builtin(builtin_text, nm))
			rc = sbx_error(e, "the kernel has no module %s, neither loadable nor built in; "
				       "use a kernel with virtio and ext4 support", nm);
		free(nm);
	}
	depset_free(&s);
	if (rc < 0) {
		for (size_t i = 0; i < *npaths; i++)
			free((*paths)[i]);
		free(*paths);
		*paths = NULL;
		*npaths = 0;
	}
	return rc;
}
