#include "fs_watch.h"
#include "../proto/envd_json.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* fsnotify's inotify mask. */
#define MASK (IN_MOVED_TO | IN_CREATE | IN_MOVED_FROM | IN_MODIFY | IN_ATTRIB | IN_DELETE | \
	      IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

struct wdir {
	int wd;
	char *rel;   /* "" for the root */
};

struct fs_watch {
	sbx_loop *loop;
	int fd;
	char *path;
	int recursive;
	int root_wd;
	struct wdir *dirs;
	size_t ndirs;
	fs_watch_event_fn ev;
	fs_watch_error_fn err;
	void *ud;
};

const char *fs_watch_path(const fs_watch *w)
{
	return w->path;
}

static struct wdir *find_wd(fs_watch *w, int wd)
{
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i].wd == wd)
			return &w->dirs[i];
	return NULL;
}

static char *join(const char *a, const char *b)
{
	if (!*a)
		return xstrdup(b);
	if (!*b)
		return xstrdup(a);
	return xasprintf("%s/%s", a, b);
}

/* Watches dir (rel to the root) and, when recursive, every real subdirectory. */
static int add_dir(fs_watch *w, const char *rel)
{
	char *abs = join(w->path, rel);
	int wd = inotify_add_watch(w->fd, abs, MASK);
	if (wd < 0) {
		free(abs);
		return -1;
	}
	struct wdir *d = find_wd(w, wd);   /* a directory moved within the tree */
	if (d) {
		free(d->rel);
		d->rel = xstrdup(rel);
	} else {
		w->dirs = xrealloc(w->dirs, (w->ndirs + 1) * sizeof *w->dirs);
		w->dirs[w->ndirs++] = (struct wdir){ wd, xstrdup(rel) };
	}
	if (w->recursive) {
		DIR *dh = opendir(abs);
		struct dirent *de;
		while (dh && (de = readdir(dh))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char *sub = join(abs, de->d_name);
			struct stat st;
			int is_dir = lstat(sub, &st) == 0 && S_ISDIR(st.st_mode);
			free(sub);
			if (is_dir) {
				char *r = join(rel, de->d_name);
				add_dir(w, r);
				free(r);
			}
		}
		if (dh)
			closedir(dh);
	}
	free(abs);
	return wd;
}

static void drop_wd(fs_watch *w, int wd)
{
	for (size_t i = 0; i < w->ndirs; i++) {
		if (w->dirs[i].wd == wd) {
			free(w->dirs[i].rel);
			w->dirs[i] = w->dirs[--w->ndirs];
			return;
		}
	}
}

/* One inotify event → envd events.  Returns 1 when the root went away. */
static int dispatch(fs_watch *w, const struct inotify_event *ie)
{
	if (ie->mask & IN_Q_OVERFLOW) {
		log_warn("watch %s: the kernel dropped events (inotify queue overflow)", w->path);
		return 0;
	}
	if (ie->mask & IN_IGNORED) {
		if (ie->wd == w->root_wd)
			return 1;
		drop_wd(w, ie->wd);
		return 0;
	}
	struct wdir *d = find_wd(w, ie->wd);
	if (!d || !ie->len)
		return 0;   /* self events: the parent reports them by name */
	char *rel = join(d->rel, ie->name);
	if (w->recursive && ie->mask & IN_ISDIR && ie->mask & (IN_CREATE | IN_MOVED_TO))
		add_dir(w, rel);
	static const struct {
		uint32_t mask;
		int type;
	} order[] = {
		{ IN_CREATE | IN_MOVED_TO, ENVD_EVENT_CREATE },
		{ IN_MOVED_FROM, ENVD_EVENT_RENAME },
		{ IN_ATTRIB, ENVD_EVENT_CHMOD },
		{ IN_MODIFY, ENVD_EVENT_WRITE },
		{ IN_DELETE, ENVD_EVENT_REMOVE },
	};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (ie->mask & order[i].mask)
			w->ev(w, rel, order[i].type, w->ud);
	free(rel);
	return 0;
}

static void on_readable(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l, (void)events;
	fs_watch *w = ud;
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	int root_gone = 0;
	ssize_t n;
	while (!root_gone && (n = read(fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ie = (const struct inotify_event *)p;
			root_gone |= dispatch(w, ie);
			p += sizeof *ie + ie->len;
		}
	}
	if (root_gone) {
		char msg[512];
		snprintf(msg, sizeof msg, "the watched directory '%s' was removed", w->path);
		loop_del_fd(w->loop, w->fd);
		w->err(w, "not_found", msg, w->ud);   /* may free w: nothing after this */
	}
}

/* Filesystems envd treats as network mounts. */
static int is_network_fs(const char *path)
{
	struct statfs sf;
	if (statfs(path, &sf) < 0)
		return 0;
	switch ((unsigned long)sf.f_type) {
	case 0x6969:       /* NFS */
	case 0x517b:       /* SMB */
	case 0xff534d42:   /* CIFS */
	case 0xfe534d42:   /* SMB2 */
	case 0x564c:       /* NCP */
	case 0x73757245:   /* CODA */
	case 0x5346414f:   /* AFS */
		return 1;
	default:
		return 0;
	}
}

fs_watch *fs_watch_new(sbx_loop *l, const char *path, int recursive, int allow_network_mounts,
		       fs_watch_event_fn ev, fs_watch_error_fn err, void *ud, const char **code,
		       sbx_err *e)
{
	struct stat st;
	*code = "internal";
	if (stat(path, &st) < 0) {
		*code = errno == ENOENT || errno == ENOTDIR ? "not_found" : "internal";
		sbx_error_errno(e, "cannot watch '%s'", path);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		*code = "invalid_argument";
		sbx_error(e, "cannot watch '%s': path is not a directory", path);
		return NULL;
	}
	if (!allow_network_mounts && is_network_fs(path)) {
		*code = "invalid_argument";
		sbx_error(e, "cannot watch '%s': it is on a network filesystem; set allowNetworkMounts", path);
		return NULL;
	}
	fs_watch *w = xcalloc(1, sizeof *w);
	w->loop = l;
	w->path = xstrdup(path);
	w->recursive = recursive;
	w->ev = ev;
	w->err = err;
	w->ud = ud;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 || (w->root_wd = add_dir(w, "")) < 0) {
		int saved = errno;
		sbx_error_errno(e, "cannot watch '%s'%s", path,
				saved == ENOSPC || saved == EMFILE ? " (raise fs.inotify.max_user_watches/instances)" : "");
		if (w->fd >= 0)
			close(w->fd);
		w->fd = -1;
		fs_watch_free(w);
		return NULL;
	}
	loop_add_fd(l, w->fd, LOOP_READ, on_readable, w);
	return w;
}

void fs_watch_free(fs_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		loop_del_fd(w->loop, w->fd);
		close(w->fd);
	}
	for (size_t i = 0; i < w->ndirs; i++)
		free(w->dirs[i].rel);
	free(w->dirs);
	free(w->path);
	free(w);
}
