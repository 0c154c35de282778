/* sbx files: a sandbox's files — ls, get, put (files or whole trees), rm, mkdir, mv. */
#include "cli.h"
#include "cmd_files.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: sbx files ID ls [PATH]\n"
	"       sbx files ID get REMOTE [LOCAL]     (a directory comes whole; LOCAL - is stdout)\n"
	"       sbx files ID put LOCAL [REMOTE]     (a directory goes whole; LOCAL - is stdin)\n"
	"       sbx files ID rm PATH...\n"
	"       sbx files ID mkdir PATH...\n"
	"       sbx files ID mv FROM TO\n"
	"Relative sandbox paths are under the user's home (/home/user).\n";

/* --- progress -------------------------------------------------------------- */

static void human(int64_t b, char *out, size_t n)
{
	if (b < 1024)
		snprintf(out, n, "%lld B", (long long)b);
	else if (b < 1024 * 1024)
		snprintf(out, n, "%.1f KiB", b / 1024.0);
	else if (b < 1024LL * 1024 * 1024)
		snprintf(out, n, "%.1f MiB", b / 1048576.0);
	else
		snprintf(out, n, "%.2f GiB", b / 1073741824.0);
}

void progress_cb(int64_t done, int64_t total, void *ud)
{
	xfer_progress *p = ud;
	if (!p || !p->tty)
		return;
	int64_t now = cli_now_ms();
	if (now - p->last_draw < 100 && (total < 0 || done < total))
		return;
	p->last_draw = now;
	char a[32], b[32], files[48] = "";
	int64_t all = p->total >= 0 && p->files_total ? p->total : total;
	human(p->base + done, a, sizeof a);
	human(all, b, sizeof b);
	if (p->files_total > 1)
		snprintf(files, sizeof files, " (%zu/%zu files)", p->files_done + 1, p->files_total);
	fprintf(stderr, "\r\033[K%s %s  %s / %s%s", p->verb, p->name ? p->name : "", a, all >= 0 ? b : "?", files);
}

void progress_end(xfer_progress *p)
{
	if (p && p->tty && p->last_draw)
		fprintf(stderr, "\r\033[K");
}

/* --- one file -------------------------------------------------------------- */

int files_put_one(cli *c, const sbx_sandbox *sb, const char *local, const char *remote, xfer_progress *p)
{
	int fd = strcmp(local, "-") ? open(local, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return cli_fail(c, "cannot read %s: %s", local, strerror(errno));
	struct stat st;
	int64_t size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
	sbx_wait w = { 0 };
	sbx_err e;
	if (p)
		p->name = local;
	int rc = 0;
	if (sbx_files_write(c->s.client, sb, remote, fd, size, progress_cb, sbx_wait_done, &w, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &w, 0, &e) < 0) {
		progress_end(p);
		rc = cli_fail(c, "%s", e.msg);
	}
	if (fd)
		close(fd);
	return rc;
}

int files_get_at(cli *c, const sbx_sandbox *sb, const char *remote, int dir, const char *local,
		 xfer_progress *p)
{
	int to_stdout = !strcmp(local, "-");
	char *tmp = to_stdout ? NULL : xasprintf("%s.sbx-part", local);
	/* O_NOFOLLOW: a symlink planted where the file goes is not written through */
	int fd = to_stdout ? 1 : openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = cli_fail(c, "cannot write %s: %s", tmp, errno == ELOOP ? "it is a symlink" : strerror(errno));
		free(tmp);
		return rc;
	}
	sbx_wait w = { 0 };
	sbx_err e;
	if (p)
		p->name = remote;
	int rc = 0;
	if (sbx_files_read(c->s.client, sb, remote, fd, progress_cb, sbx_wait_done, &w, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &w, 0, &e) < 0) {
		progress_end(p);
		rc = cli_fail(c, "%s", e.msg);
	}
	if (!to_stdout) {
		/* the whole file or nothing: a failed download leaves no half file;
		 * renameat replaces a symlink at local rather than following it */
		if (close(fd) < 0 && !rc)
			rc = cli_fail(c, "cannot write %s: %s", local, strerror(errno));
		if (!rc && renameat(dir, tmp, dir, local) < 0)
			rc = cli_fail(c, "cannot write %s: %s", local, strerror(errno));
		if (rc)
			unlinkat(dir, tmp, 0);
	}
	free(tmp);
	return rc;
}

int files_get_one(cli *c, const sbx_sandbox *sb, const char *remote, const char *local, xfer_progress *p)
{
	return files_get_at(c, sb, remote, AT_FDCWD, local, p);
}

/* --- stat / ls ------------------------------------------------------------- */

typedef struct stat_wait {
	sbx_wait w;
	int type, missing;
	int64_t size;
} stat_wait;

static void on_stat(const sbx_entry *en, const sbx_err *e, void *ud)
{
	stat_wait *s = ud;
	if (en) {
		s->type = en->type;
		s->size = en->size;
	}
	if (e && (strstr(e->msg, "(not_found)") || strstr(e->msg, "(unimplemented)")))
		s->missing = 1, e = NULL;
	sbx_wait_set(&s->w, e);
}

int files_stat(cli *c, const sbx_sandbox *sb, const char *path, int *type, int64_t *size)
{
	stat_wait s = { 0 };
	sbx_err e;
	if (sbx_fs_stat(c->s.client, sb, path, on_stat, &s, NULL, &e) < 0 || sbx_sync_wait(&c->s, &s.w, 0, &e) < 0) {
		cli_fail(c, "%s", e.msg);
		return -1;
	}
	if (s.missing)
		return 0;
	*type = s.type;
	*size = s.size;
	return 1;
}

static void on_ls(const sbx_entry *en, size_t n, const sbx_err *e, void *ud)
{
	for (size_t i = 0; !e && i < n; i++) {
		char mt[20] = "";
		snprintf(mt, sizeof mt, "%.16s", en[i].modified);
		for (char *p = mt; *p; p++)
			if (*p == 'T')
				*p = ' ';
		printf("%-11s %-8s %-8s %10lld  %-16s  %s%s%s%s\n", en[i].permissions, en[i].owner, en[i].group,
		       (long long)en[i].size, mt, en[i].name, en[i].type == SBX_FILE_DIR ? "/" : "",
		       en[i].symlink_target ? " -> " : "", en[i].symlink_target ? en[i].symlink_target : "");
	}
	sbx_wait_set(ud, e);
}

static int do_ls(cli *c, const sbx_sandbox *sb, int argc, char **argv)
{
	if (argc > 1)
		return cli_fail(c, "ls takes one path");
	sbx_wait w = { 0 };
	sbx_err e;
	if (sbx_fs_list(c->s.client, sb, argc ? argv[0] : ".", 1, on_ls, &w, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &w, 0, &e) < 0)
		return cli_fail(c, "%s", e.msg);
	return 0;
}

/* --- get / put ------------------------------------------------------------- */

static int do_get(cli *c, const sbx_sandbox *sb, int argc, char **argv)
{
	if (argc < 1 || argc > 2)
		return cli_fail(c, "get wants REMOTE [LOCAL]");
	const char *remote = argv[0];
	int type = 0;
	int64_t size = 0;
	int found = files_stat(c, sb, remote, &type, &size);
	if (found < 0)
		return 1;
	if (!found)
		return cli_fail(c, "no %s in sandbox %s (see `sbx files %s ls`)", remote, sb->id, sb->id);
	char *b = files_base_of(remote), *local;
	struct stat st;
	if (argc < 2)
		local = xstrdup(b);
	else if (strcmp(argv[1], "-") && stat(argv[1], &st) == 0 && S_ISDIR(st.st_mode))
		local = xasprintf("%s/%s", argv[1], b);   /* into an existing directory, like cp */
	else
		local = xstrdup(argv[1]);
	int rc;
	if (type == SBX_FILE_DIR) {
		rc = !strcmp(local, "-") ? cli_fail(c, "%s is a directory: give a local directory", remote)
					 : files_get_tree(c, sb, remote, local);
	} else {
		xfer_progress p = { .tty = cli_isatty(2) && strcmp(local, "-"), .verb = "download", .total = size,
				    .files_total = 1 };
		rc = files_get_one(c, sb, remote, local, &p);
		progress_end(&p);
	}
	free(b);
	free(local);
	return rc;
}

static int do_put(cli *c, const sbx_sandbox *sb, int argc, char **argv)
{
	if (argc < 1 || argc > 2)
		return cli_fail(c, "put wants LOCAL [REMOTE]");
	const char *local = argv[0];
	struct stat st;
	int is_dir = 0;
	if (strcmp(local, "-")) {
		if (stat(local, &st) < 0)
			return cli_fail(c, "cannot read %s: %s", local, strerror(errno));
		is_dir = S_ISDIR(st.st_mode);
	} else if (argc < 2) {
		return cli_fail(c, "put - (stdin) needs a REMOTE path");
	}
	char *b = files_base_of(local), *remote;
	int type = 0;
	int64_t size;
	if (argc < 2) {
		remote = xstrdup(b);
	} else {
		size_t l = strlen(argv[1]);
		int found = l && argv[1][l - 1] != '/' ? files_stat(c, sb, argv[1], &type, &size) : 0;
		if (found < 0) {
			free(b);
			return 1;
		}
		if ((l && argv[1][l - 1] == '/') || (found && type == SBX_FILE_DIR))
			remote = xasprintf("%.*s/%s", (int)(l && argv[1][l - 1] == '/' ? l - 1 : l), argv[1], b);
		else
			remote = xstrdup(argv[1]);
	}
	int rc = files_put_any(c, sb, local, remote, is_dir);
	free(b);
	free(remote);
	return rc;
}

int files_put_any(cli *c, const sbx_sandbox *sb, const char *local, const char *remote, int is_dir)
{
	if (is_dir)
		return files_put_tree(c, sb, local, remote);
	xfer_progress p = { .tty = cli_isatty(2), .verb = "upload", .total = -1, .files_total = 1 };
	int rc = files_put_one(c, sb, local, remote, &p);
	progress_end(&p);
	return rc;
}

char *files_base_of(const char *path)
{
	char *copy = xstrdup(path), *b = xstrdup(basename(copy));
	free(copy);
	return b;
}

/* --- rm / mkdir / mv ------------------------------------------------------- */

static void on_entry(const sbx_entry *en, const sbx_err *e, void *ud)
{
	(void)en;
	sbx_wait_set(ud, e);
}

static int do_rm(cli *c, const sbx_sandbox *sb, int argc, char **argv)
{
	if (!argc)
		return cli_fail(c, "rm wants at least one path");
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		sbx_wait w = { 0 };
		sbx_err e;
		if (sbx_fs_remove(c->s.client, sb, argv[i], sbx_wait_done, &w, NULL, &e) < 0 ||
		    sbx_sync_wait(&c->s, &w, 0, &e) < 0)
			rc = cli_fail(c, "%s", e.msg);
	}
	return rc;
}

static int do_mkdir(cli *c, const sbx_sandbox *sb, int argc, char **argv)
{
	if (!argc)
		return cli_fail(c, "mkdir wants at least one path");
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		sbx_wait w = { 0 };
		sbx_err e;
		if (sbx_fs_mkdir(c->s.client, sb, argv[i], on_entry, &w, NULL, &e) < 0 ||
		    sbx_sync_wait(&c->s, &w, 0, &e) < 0)
			rc = cli_fail(c, "%s", e.msg);
	}
	return rc;
}

static int do_mv(cli *c, const sbx_sandbox *sb, int argc, char **argv)
{
	if (argc != 2)
		return cli_fail(c, "mv wants FROM TO");
	sbx_wait w = { 0 };
	sbx_err e;
	if (sbx_fs_move(c->s.client, sb, argv[0], argv[1], on_entry, &w, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &w, 0, &e) < 0)
		return cli_fail(c, "%s", e.msg);
	return 0;
}

int cmd_files(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(cli *, const sbx_sandbox *, int, char **);
	} subs[] = {
		{ "ls", do_ls }, { "get", do_get }, { "put", do_put }, { "rm", do_rm }, { "mkdir", do_mkdir },
		{ "mv", do_mv },
	};
	cli c = { .name = "files" };
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 3) {
		fprintf(stderr, "sbx files: want a sandbox id and what to do\n%s", usage);
		return 2;
	}
	size_t k;
	for (k = 0; k < sizeof subs / sizeof *subs; k++)
		if (!strcmp(subs[k].name, argv[2]))
			break;
	if (k == sizeof subs / sizeof *subs) {
		fprintf(stderr, "sbx files: unknown action '%s'\n%s", argv[2], usage);
		return 2;
	}
	sbx_sandbox sb = { 0 };
	int rc = 1;
	if (!cli_open(&c, "files") && cli_target(&c, argv[1], &sb) == 0)
		rc = subs[k].run(&c, &sb, argc - 3, argv + 3);
	cli_close(&c);
	sbx_sandbox_free(&sb);
	return rc;
}
