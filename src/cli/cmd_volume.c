/* sbx volume: named persistent directories, and their files. */
#include "cli.h"
#include "cmd_args.h"
#include "cmd_common.h"
#include "cmd_opts.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"usage: sbx volume create NAME [--json]\n"
	"       sbx volume ls [--json]                 the volumes\n"
	"       sbx volume ls NAME [PATH] [--json]     a directory of one (also: files NAME [PATH])\n"
	"       sbx volume rm NAME                     delete the volume and its files\n"
	"       sbx volume put NAME LOCAL PATH         upload a file (LOCAL - : stdin)\n"
	"       sbx volume get NAME PATH [LOCAL]       download a file (to stdout without LOCAL)\n"
	"       sbx volume mkdir NAME PATH\n"
	"       sbx volume rm-file NAME PATH\n"
	"A volume is a directory that outlives sandboxes: `sbx create --volume NAME:/data`\n"
	"mounts it into a new sandbox (several sandboxes may share one).  NAME is the\n"
	"volume's name or id; PATH is inside the volume (/ is its top).\n";

static void print_json(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	puts(s);
	free(s);
}

typedef struct vol_wait {
	sbx_wait w;
	json_t *j;
} vol_wait;

static void on_volume(const sbx_volume *v, const sbx_err *e, void *ud)
{
	vol_wait *vw = ud;
	if (v)
		vw->j = json_deep_copy(v->raw);
	sbx_wait_set(&vw->w, e);
}

static void on_volumes(const sbx_volume *v, size_t n, const sbx_err *e, void *ud)
{
	vol_wait *vw = ud;
	if (!e) {
		vw->j = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(vw->j, json_deep_copy(v[i].raw));
	}
	sbx_wait_set(&vw->w, e);
}

static void on_entries(const sbx_volume_entry *en, size_t n, const sbx_err *e, void *ud)
{
	vol_wait *vw = ud;
	if (!e) {
		vw->j = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:i,s:s}", "name", en[i].name, "path", en[i].path, "type",
					      en[i].type, "size", (json_int_t)en[i].size, "mode", (int)en[i].mode,
					      "mtime", en[i].mtime);
			if (o)
				json_array_append_new(vw->j, o);
		}
	}
	sbx_wait_set(&vw->w, e);
}

static int fail_hint(cli *c, const sbx_err *e)
{
	if (strstr(e->msg, "HTTP 404"))
		return cli_fail(c, "%s; `sbx volume ls` lists the volumes", e->msg);
	return cli_fail(c, "%s", e->msg);
}

/* The volume by name or id, with its content token. */
static int get_volume(cli *c, const char *name, vol_wait *vw, sbx_volume *v)
{
	sbx_err e;
	if (sbx_volume_get(c->s.client, name, on_volume, vw, NULL, &e) < 0 || sbx_sync_wait(&c->s, &vw->w, 0, &e) < 0)
		return fail_hint(c, &e);
	if (sbx_volume_parse(vw->j, v, &e) < 0)
		return cli_fail(c, "%s", e.msg);
	return 0;
}

static void print_volumes(const json_t *arr)
{
	if (!json_array_size(arr)) {
		fprintf(stderr, "no volumes (make one with `sbx volume create NAME`)\n");
		return;
	}
	printf("%-24s %s\n", "NAME", "ID");
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		printf("%-24s %s\n", json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "volumeID")));
}

static void print_entries(const json_t *arr, const char *path)
{
	if (!json_array_size(arr)) {
		fprintf(stderr, "%s is empty\n", path);
		return;
	}
	int tty = cli_isatty(1);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *type = json_string_value(json_object_get(v, "type"));
		const char *name = json_string_value(json_object_get(v, "path"));
		if (!name || !*name)
			name = json_string_value(json_object_get(v, "name"));
		printf("%c %04o %10lld  ", type && !strcmp(type, "directory") ? 'd' : type && !strcmp(type, "symlink") ? 'l' : '-',
		       (unsigned)json_integer_value(json_object_get(v, "mode")) & 07777,
		       (long long)json_integer_value(json_object_get(v, "size")));
		/* names were written by sandboxes: no escapes on a terminal */
		cli_put_shown(stdout, name, strlen(name), tty);
		putchar('\n');
	}
}

static int vol_put(cli *c, const volume_args *a, const sbx_volume *v)
{
	int fd = strcmp(a->local, "-") ? open(a->local, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return cli_fail(c, "cannot read %s: %s", a->local, strerror(errno));
	struct stat st;
	int have = fstat(fd, &st) == 0;
	int64_t size = have && S_ISREG(st.st_mode) ? st.st_size : -1;
	if (have && S_ISDIR(st.st_mode)) {
		close(fd);
		return cli_fail(c, "%s is a directory; put uploads one file", a->local);
	}
	sbx_wait w = { 0 };
	sbx_err e;
	int rc = 0;
	if (sbx_volume_write(c->s.client, v, a->path, fd, size, NULL, sbx_wait_done, &w, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &w, 0, &e) < 0)
		rc = cli_fail(c, "%s", e.msg);
	if (fd)
		close(fd);
	return rc;
}

static int vol_get(cli *c, const volume_args *a, const sbx_volume *v)
{
	int to_stdout = !a->local || !strcmp(a->local, "-");
	char *tmp = to_stdout ? NULL : xasprintf("%s.sbx-part", a->local);
	int fd = to_stdout ? 1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = cli_fail(c, "cannot write %s: %s", tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	sbx_wait w = { 0 };
	sbx_err e;
	int rc = 0;
	if (sbx_volume_read(c->s.client, v, a->path, fd, NULL, sbx_wait_done, &w, NULL, &e) < 0 ||
	    sbx_sync_wait(&c->s, &w, 0, &e) < 0)
		rc = cli_fail(c, "%s", e.msg);
	if (!to_stdout) {
		/* written whole, then renamed: a failed download leaves no half file */
		if (close(fd) < 0 && !rc)
			rc = cli_fail(c, "cannot write %s: %s", tmp, strerror(errno));
		if (rc)
			unlink(tmp);
		else if (rename(tmp, a->local) < 0)
			rc = cli_fail(c, "cannot rename %s to %s: %s", tmp, a->local, strerror(errno));
	}
	free(tmp);
	return rc;
}

static int run(cli *c, const volume_args *a)
{
	vol_wait vw = { 0 };
	sbx_wait w = { 0 };
	sbx_err e;
	sbx_volume v;
	int rc = 1;
	switch (a->sub) {
	case VOL_CREATE:
		if (sbx_volume_create(c->s.client, a->name, on_volume, &vw, NULL, &e) < 0 ||
		    sbx_sync_wait(&c->s, &vw.w, 0, &e) < 0) {
			cli_fail(c, "%s", e.msg);
			break;
		}
		if (a->json)
			print_json(vw.j);
		else
			printf("created volume %s (%s); mount it with `sbx create --volume %s:/PATH`\n",
			       json_string_value(json_object_get(vw.j, "name")),
			       json_string_value(json_object_get(vw.j, "volumeID")), a->name);
		rc = 0;
		break;
	case VOL_LS:
		if (sbx_volume_list(c->s.client, on_volumes, &vw, NULL, &e) < 0 || sbx_sync_wait(&c->s, &vw.w, 0, &e) < 0) {
			cli_fail(c, "%s", e.msg);
			break;
		}
		if (a->json)
			print_json(vw.j);
		else
			print_volumes(vw.j);
		rc = 0;
		break;
	case VOL_RM:
		if (sbx_volume_delete(c->s.client, a->name, sbx_wait_done, &w, NULL, &e) < 0 ||
		    sbx_sync_wait(&c->s, &w, 0, &e) < 0) {
			fail_hint(c, &e);
			break;
		}
		printf("deleted volume %s\n", a->name);
		rc = 0;
		break;
	default:
		if (get_volume(c, a->name, &vw, &v))
			break;
		if (a->sub == VOL_PUT) {
			rc = vol_put(c, a, &v);
		} else if (a->sub == VOL_GET) {
			rc = vol_get(c, a, &v);
		} else if (a->sub == VOL_FILES) {
			vol_wait lw = { 0 };
			if (sbx_volume_ls(c->s.client, &v, a->path, 0, on_entries, &lw, NULL, &e) < 0 ||
			    sbx_sync_wait(&c->s, &lw.w, 0, &e) < 0) {
				cli_fail(c, "%s", e.msg);
			} else {
				if (a->json)
					print_json(lw.j);
				else
					print_entries(lw.j, a->path);
				rc = 0;
			}
			json_decref(lw.j);
		} else {
			if ((a->sub == VOL_MKDIR ? sbx_volume_mkdir(c->s.client, &v, a->path, sbx_wait_done, &w, NULL, &e)
						 : sbx_volume_remove(c->s.client, &v, a->path, sbx_wait_done, &w, NULL, &e)) < 0 ||
			    sbx_sync_wait(&c->s, &w, 0, &e) < 0)
				cli_fail(c, "%s", e.msg);
			else
				rc = 0;
		}
		break;
	}
	json_decref(vw.j);
	return rc;
}

int cmd_volume(int argc, char **argv)
{
	cli c = { .name = "volume" };
	volume_args a;
	sbx_err e;
	if (parse_volume(argc, argv, &a, &e) < 0)
		return cli_usage_or(&c, &e, usage);
	int rc = 1;
	if (!cli_open(&c, "volume"))
		rc = run(&c, &a);
	cli_close(&c);
	return rc;
}
