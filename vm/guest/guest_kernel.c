/* guest_kernel: Debian's cloud kernel and our initramfs, built once into
 * $SBX_CACHE_DIR/guest/KEY/ (vmlinuz, initramfs.cpio, version, modules.dep).
 * The .deb is kept in guest/debs/ (with its sha256 beside it) and only
 * unpacked (dpkg-deb -x), never installed. */
#include "guest_int.h"
#include "../../src/util/run.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../src/util/fsutil.h"
#include "../../src/util/selfpath.h"
#include "../../src/util/xalloc.h"
#include "../template/template_int.h"

#define META_PACKAGE "linux-image-cloud-amd64"
#define INIT_NAME "sbx-guest-init"
#define APT_LISTS "/var/lib/apt/lists"

static int file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* linux-image-6.1.0-NN-cloud-amd64: what the meta package depends on. */
static int resolve_apt(char **pkg, sbx_err *e)
{
	char *argv[] = { (char *)"apt-cache", (char *)"depends", (char *)META_PACKAGE, NULL };
	sbx_buf out = SBX_BUF_INIT;
	*pkg = NULL;
	if (run_capture(NULL, argv, &out, e) < 0) {
		buf_free(&out);
		return sbx_error(e, "cannot resolve %s (%s); run apt-get update", META_PACKAGE, e->msg);
	}
	const char *s = buf_cstr(&out), *d;
	while ((d = strstr(s, "Depends: "))) {
		d += 9;
		size_t n = strcspn(d, " \n<>");
		if (n > 12 && !strncmp(d, "linux-image-", 12)) {
			*pkg = xstrndup(d, n);
			break;
		}
		s = d;
	}
	buf_free(&out);
	if (!*pkg)
		return sbx_error(e, "%s depends on no linux-image package here; run apt-get update "
				 "(Debian bookworm's lists are needed)", META_PACKAGE);
	return 0;
}

/* resolve_apt's answer, remembered in debs/resolved until apt's lists
 * change (apt-cache takes seconds on a busy machine; this runs per VM). */
static int resolve_package(const char *debs, char **pkg, sbx_err *e)
{
	char *memo = xasprintf("%s/resolved", debs);
	struct stat ms, ls;
	sbx_buf b = SBX_BUF_INIT;
	int have = buf_read_file(&b, memo, NULL) == 0 && !strncmp(buf_cstr(&b), "linux-image-", 12), rc = 0;
	if (have)
		b.data[strcspn(b.data, "\n")] = 0;
	if (have && stat(memo, &ms) == 0 && stat(APT_LISTS, &ls) == 0 && ms.st_mtime > ls.st_mtime) {
		*pkg = buf_detach(&b);
	} else if ((rc = resolve_apt(pkg, e)) < 0 && have) {
		rc = 0;   /* no package lists (removed, never updated): the last answer stands */
		*pkg = buf_detach(&b);
	} else if (rc == 0) {
		char *line = xasprintf("%s\n", *pkg), *tmp = xasprintf("%s.%ld", memo, (long)getpid());
		if (guest_write_file(tmp, line, strlen(line), NULL) == 0)
			rename(tmp, memo);
		unlink(tmp);
		free(tmp);
		free(line);
	}
	buf_free(&b);
	free(memo);
	return rc;
}

/* DIR/PKG_*.deb, the newest by name when several; NULL when none. */
static char *find_deb(const char *dir, const char *pkg)
{
	DIR *d = opendir(dir);
	size_t plen = strlen(pkg);
	char *best = NULL;
	for (struct dirent *de; d && (de = readdir(d));) {
		size_t n = strlen(de->d_name);
		if (!strncmp(de->d_name, pkg, plen) && de->d_name[plen] == '_' && n > 4 &&
		    !strcmp(de->d_name + n - 4, ".deb") && (!best || strcmp(de->d_name, best) > 0)) {
			free(best);
			best = xstrdup(de->d_name);
		}
	}
	if (d)
		closedir(d);
	char *path = best ? xasprintf("%s/%s", dir, best) : NULL;
	free(best);
	return path;
}

/* debs/PKG_*.deb, downloaded when missing into debs/.download first, so an
 * interrupted download never passes for a whole .deb. */
static int fetch_deb(const char *debs, const char *pkg, char **deb, sbx_err *e)
{
	if ((*deb = find_deb(debs, pkg)))
		return 0;
	char *dl = xasprintf("%s/.download", debs), *got = NULL;
	char *argv[] = { (char *)"apt-get", (char *)"download", (char *)"-q", (char *)pkg, NULL };
	int rc = fsu_rm_rf(dl, 1, e) < 0 || fsu_mkdirs(dl, 0755, e) < 0 ? -1 : 0;
	if (rc == 0 && run_capture(dl, argv, NULL, e) < 0)
		rc = sbx_error(e, "cannot download %s (%s); check apt's sources and network", pkg, e->msg);
	if (rc == 0 && !(got = find_deb(dl, pkg)))
		rc = sbx_error(e, "apt-get download %s left no .deb in %s", pkg, dl);
	if (rc == 0) {
		*deb = xasprintf("%s/%s", debs, strrchr(got, '/') + 1);
		if (rename(got, *deb) < 0) {
			rc = sbx_error_errno(e, "cannot move %s to %s", got, *deb);
			free(*deb);
			*deb = NULL;
		}
	}
	fsu_rm_rf(dl, 1, NULL);
	free(got);
	free(dl);
	return rc;
}

/* Leftovers of a build that died (only the lock's holder builds, so any
 * there is while we hold it is one). */
static void remove_stale(const char *cache)
{
	DIR *d = opendir(cache);
	for (struct dirent *de; d && (de = readdir(d));)
		if (!strncmp(de->d_name, ".tmp-", 5)) {
			char *p = xasprintf("%s/%s", cache, de->d_name);
			fsu_rm_rf(p, 1, NULL);
			free(p);
		}
	if (d)
		closedir(d);
}

/* The .deb's sha256, from DEB.sha256 once computed. */
static int deb_sha(const char *deb, char hex[65], sbx_err *e)
{
	char *side = xasprintf("%s.sha256", deb);
	sbx_buf b = SBX_BUF_INIT;
	int rc = 0;
	if (buf_read_file(&b, side, NULL) == 0 && b.len >= 64) {
		memcpy(hex, b.data, 64);
		hex[64] = 0;
	} else {
		tpl_sha *s = tpl_sha_new();
		if (tpl_sha_file(s, deb, e) < 0) {
			tpl_sha_final(s, hex);
			rc = -1;
		} else {
			tpl_sha_final(s, hex);
			char *tmp = xasprintf("%s.%ld", side, (long)getpid());
			FILE *f = fopen(tmp, "we");
			if (f && fprintf(f, "%s\n", hex) > 0 && fclose(f) == 0)
				rename(tmp, side);
			else if (f)
				fclose(f);
			unlink(tmp);
			free(tmp);
		}
	}
	buf_free(&b);
	free(side);
	return rc;
}

static char *find_init(sbx_err *e)
{
	char *p = self_find(INIT_NAME, 0);
	if (!p)
		p = self_find("../" INIT_NAME, 0);   /* build/tests/x, build/tools/x */
	if (!p)
		sbx_error(e, "%s is not next to this program; build it (make all)", INIT_NAME);
	return p;
}

/* boot/vmlinuz-VERSION in the unpacked tree. */
static char *find_version(const char *tree, sbx_err *e)
{
	char *boot = xasprintf("%s/boot", tree);
	DIR *d = opendir(boot);
	char *v = NULL;
	for (struct dirent *de; d && (de = readdir(d));)
		if (!strncmp(de->d_name, "vmlinuz-", 8) && de->d_name[8])
			v = xstrdup(de->d_name + 8);
	if (d)
		closedir(d);
	if (!v)
		sbx_error(e, "the kernel package has no boot/vmlinuz-*; is it a linux-image package?");
	free(boot);
	return v;
}

/* Unpacks deb under tmp, fills out_dir with vmlinuz, initramfs.cpio,
 * modules.dep and version. */
static int build(const char *deb, const char *init, const char *tmp, const char *out_dir, sbx_err *e)
{
	char *tree = xasprintf("%s/x", tmp);
	char *argv[] = { (char *)"dpkg-deb", (char *)"-x", (char *)deb, tree, NULL };
	char *version = NULL, *moddir = NULL, *src = NULL, *dst = NULL;
	int rc = fsu_mkdirs(out_dir, 0755, e);
	if (rc == 0 && (rc = run_capture(NULL, argv, NULL, e)) < 0)
		sbx_error(e, "cannot unpack %s (%s); remove it to download it again", deb, e->msg);
	if (rc == 0 && !(version = find_version(tree, e)))
		rc = -1;
	if (rc == 0) {
		moddir = xasprintf("%s/lib/modules/%s", tree, version);
		rc = guest_initramfs_build(init, moddir, out_dir, e);
	}
	if (rc == 0) {
		src = xasprintf("%s/boot/vmlinuz-%s", tree, version);
		dst = xasprintf("%s/vmlinuz", out_dir);
		if (rename(src, dst) < 0)
			rc = sbx_error_errno(e, "cannot move the kernel to %s", dst);
	}
	if (rc == 0) {
		free(dst);
		dst = xasprintf("%s/version", out_dir);
		char *line = xasprintf("%s\n", version);
		rc = guest_write_file(dst, line, strlen(line), e);
		free(line);
	}
	free(tree);
	free(version);
	free(moddir);
	free(src);
	free(dst);
	return rc;
}

static int fill(guest_kernel *out, const char *dir, const char *key, sbx_err *e)
{
	char *vpath = xasprintf("%s/version", dir);
	sbx_buf v = SBX_BUF_INIT;
	int rc = buf_read_file(&v, vpath, e);
	free(vpath);
	if (rc < 0) {
		buf_free(&v);
		return -1;
	}
	v.data[strcspn(v.data, "\n")] = 0;
	out->version = buf_detach(&v);
	out->kernel = xasprintf("%s/vmlinuz", dir);
	out->initramfs = xasprintf("%s/initramfs.cpio", dir);
	/* Snapshots also depend on what the guest ran before it was saved. */
	tpl_sha *s = tpl_sha_new();
	tpl_sha_str(s, key);
	for (const char *const *w = guest_warm_recipe; *w; w++)
		tpl_sha_str(s, *w);
	char snap_key[65];
	tpl_sha_final(s, snap_key);
	out->key = xstrndup(snap_key, 16);
	return 0;
}

int guest_kernel_get(guest_kernel *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	char *cache = guest_cache_dir(), *debs = xasprintf("%s/debs", cache);
	char *init = NULL, *pkg = NULL, *deb = NULL, *dir = NULL, *tmp = NULL;
	char hex[65], init_hex[65], key[65];
	int lock = -1, rc = fsu_mkdirs(debs, 0755, e);
	if (rc == 0 && !(init = find_init(e)))
		rc = -1;
	if (rc == 0 && (lock = tpl_lock(cache, "guest", NULL, e)) < 0)
		rc = -1;
	if (rc == 0)
		rc = resolve_package(debs, &pkg, e);
	if (rc == 0)
		rc = fetch_deb(debs, pkg, &deb, e);
	if (rc == 0)
		rc = deb_sha(deb, hex, e);
	if (rc == 0) {
		tpl_sha *s = tpl_sha_new();
		rc = tpl_sha_file(s, init, e);
		tpl_sha_final(s, init_hex);
	}
	if (rc == 0) {
		tpl_sha *s = tpl_sha_new();
		tpl_sha_str(s, GUEST_BUILDER_VERSION);
		tpl_sha_str(s, strrchr(deb, '/') + 1);
		tpl_sha_str(s, hex);
		tpl_sha_str(s, init_hex);
		for (size_t i = 0; i < guest_nmodules; i++)
			tpl_sha_str(s, guest_modules[i]);
		tpl_sha_final(s, key);
		dir = xasprintf("%s/%.16s", cache, key);
		char *probe = xasprintf("%s/version", dir);
		int have = file_exists(probe);
		free(probe);
		if (!have) {
			remove_stale(cache);
			tmp = xasprintf("%s/.tmp-%.16s.%ld", cache, key, (long)getpid());
			char *out_dir = xasprintf("%s/out", tmp);
			rc = build(deb, init, tmp, out_dir, e);
			if (rc == 0 && rename(out_dir, dir) < 0)
				rc = sbx_error_errno(e, "cannot move the built kernel to %s", dir);
			free(out_dir);
			fsu_rm_rf(tmp, 1, NULL);
		}
	}
	if (rc == 0)
		rc = fill(out, dir, key, e);
	if (lock >= 0)
		close(lock);
	if (rc < 0)
		guest_kernel_free(out);
	free(cache);
	free(debs);
	free(init);
	free(pkg);
	free(deb);
	free(dir);
	free(tmp);
	return rc;
}

void guest_kernel_free(guest_kernel *g)
{
	if (!g)
		return;
	free(g->kernel);
	free(g->initramfs);
	free(g->version);
	free(g->key);
	memset(g, 0, sizeof *g);
}
