/*
 * envd /files: download (GET) and upload (POST, multipart or octet-stream).
 *
 * Uploads stream straight into their destination files, in place, as envd
 * writes them: the SDK's watchDir then sees CREATE/WRITE events on the file's
 * own name (tests/compat checks it), which a temp file + rename would not
 * give.  A failed, truncated or abandoned upload removes every file and
 * directory it created; a file it was overwriting keeps what was written
 * (as with envd).  A body with Content-Encoding: gzip (the Python SDK's
 * files.write(gzip=True)) is decoded as it streams in; a download asked
 * for with Accept-Encoding: gzip goes out gzip-encoded (files_gz.h).
 */
#include "envd_files.h"
#include "files_gz.h"
#include "users.h"
#include "../proto/accept_enc.h"
#include "../proto/file_sig.h"
#include "../proto/gunzip.h"
#include "../proto/jsontext.h"
#include "../proto/multipart.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/fsutil.h"
#include "../util/xalloc.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* --- auth: X-Access-Token or a signed URL ----------------------------------- */

static int str_eq_ct(const char *got, const char *want)
{
	size_t n = strlen(want);
	return strlen(got) == n && CRYPTO_memcmp(got, want, n) == 0;
}

const char *files_auth_error(agent *a, http_req *r)
{
	static const char *const denied = "unauthorized access, please provide a valid access token or a signed URL";
	const char *token = a->cfg.access_token;
	if (!token || !*token)
		return NULL;
	/* envd: a header that is present decides, right or wrong. */
	const char *hdr = http_req_header(r, "X-Access-Token");
	if (hdr && *hdr)
		return str_eq_ct(hdr, token) ? NULL : denied;
	switch (file_sig_ok(http_req_method(r), http_req_query(r, "path"), http_req_query(r, "username"),
			    http_req_query(r, "signature"), http_req_query(r, "signature_expiration"), token,
			    time(NULL))) {
	case FILE_SIG_OK:
		return NULL;
	case FILE_SIG_EXPIRED:
		return "signature is already expired";   /* envd's words; the SDK tests compare them */
	default:
		return denied;
	}
}

/* --- paths ------------------------------------------------------------------- */

/* --- download ----------------------------------------------------------------- */

static const struct {
	const char *ext, *type;
} mime_types[] = {
	{ "txt", "text/plain; charset=utf-8" }, { "log", "text/plain; charset=utf-8" },
	{ "html", "text/html; charset=utf-8" }, { "htm", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" }, { "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" }, { "json", "application/json" },
	{ "xml", "text/xml; charset=utf-8" }, { "csv", "text/csv; charset=utf-8" },
	{ "md", "text/markdown; charset=utf-8" }, { "py", "text/x-python; charset=utf-8" },
	{ "sh", "text/x-shellscript; charset=utf-8" }, { "yaml", "application/yaml" },
	{ "yml", "application/yaml" }, { "png", "image/png" }, { "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" }, { "gif", "image/gif" }, { "svg", "image/svg+xml" },
	{ "webp", "image/webp" }, { "avif", "image/avif" }, { "ico", "image/vnd.microsoft.icon" },
	{ "pdf", "application/pdf" }, { "zip", "application/zip" }, { "gz", "application/gzip" },
	{ "tar", "application/x-tar" }, { "wasm", "application/wasm" }, { "mp3", "audio/mpeg" },
	{ "wav", "audio/wav" }, { "mp4", "video/mp4" }, { "webm", "video/webm" },
	{ "parquet", "application/vnd.apache.parquet" },
};

static const char *mime_type(const char *base)
{
	const char *dot = strrchr(base, '.');
	if (dot && dot != base)
		for (size_t i = 0; i < sizeof mime_types / sizeof *mime_types; i++)
			if (!strcasecmp(dot + 1, mime_types[i].ext))
				return mime_types[i].type;
	return "application/octet-stream";
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

/* inline; filename="x" — or RFC 5987 filename*= for names that are not
 * printable ASCII (what Go's mime.FormatMediaType does). */
static char *content_disposition(const char *base)
{
	sbx_buf b = SBX_BUF_INIT;
	int plain = 1;
	for (const unsigned char *p = (const unsigned char *)base; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			plain = 0;
	if (plain) {
		buf_puts(&b, "inline; filename=\"");
		for (const char *p = base; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_putc(&b, '"');
	} else {
		buf_puts(&b, "inline; filename*=utf-8''");
		for (const unsigned char *p = (const unsigned char *)base; *p; p++) {
			if (isalnum(*p) || strchr("!#$&+-.^_`|~", *p))
				buf_putc(&b, (char)*p);
			else
				buf_printf(&b, "%%%02X", *p);
		}
	}
	return buf_detach(&b);
}

static void files_get(agent *a, http_req *r)
{
	sbx_user u;
	sbx_err e;
	if (user_resolve(a, http_req_header(r, "Authorization"), http_req_query(r, "username"), &u, &e) < 0) {
		agent_rest_error(r, 401, "%s", e.msg);
		return;
	}
	int enc = accept_encoding(http_req_header(r, "Accept-Encoding"));
	if (enc == ACCEPT_NONE) {
		agent_rest_error(r, 406, "no acceptable encoding found, supported: [identity, gzip]");   /* envd's words */
		return;
	}
	char *path = user_path(a, &u, http_req_query(r, "path"));
	/* O_NONBLOCK: opening a FIFO must not hang the loop. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			agent_rest_error(r, 404, "path '%s' does not exist", path);
		else if (errno == EACCES || errno == EPERM)
			agent_rest_error(r, 403, "permission denied reading '%s'", path);
		else
			agent_rest_error(r, 500, "cannot open '%s': %s", path, strerror(errno));
	} else if (fstat(fd, &st) < 0) {
		agent_rest_error(r, 500, "cannot stat '%s': %s", path, strerror(errno));
		close(fd);
	} else if (S_ISDIR(st.st_mode)) {
		agent_rest_error(r, 400, "path '%s' is a directory", path);
		close(fd);
	} else if (!S_ISREG(st.st_mode)) {
		agent_rest_error(r, 400, "path '%s' is not a regular file", path);
		close(fd);
	} else {
		const char *base = base_name(path);
		char *cd = content_disposition(base);
		http_req_add_header(r, "Content-Disposition", cd);
		free(cd);
		fcntl(fd, F_SETFL, 0);
		if (enc == ACCEPT_GZIP)
			files_gz_send(r, mime_type(base), fd);
		else
			http_respond_fd(r, 200, mime_type(base), fd, (uint64_t)st.st_size);
	}
	free(path);
}

/* --- upload ------------------------------------------------------------------- */

struct up_file {
	char *dest;     /* the resolved path we report */
	int fd;         /* open while its data arrives */
	int created;    /* we created it: a failed upload removes it again */
};

struct upload {
	agent *a;
	http_req *r;
	sbx_user user;
	char *query_path;          /* ?path=, or NULL */
	mp_parser *mp;             /* NULL: application/octet-stream */
	gunzip *gz;                /* Content-Encoding: gzip, else NULL */
	struct up_file *files;
	size_t nfiles;
	int writing;               /* the current multipart part goes to files[nfiles-1] */
	char **mkeys, **mvals;     /* X-Metadata-<key>: value, keys lowercased */
	size_t nmeta;
	char *bad_meta;            /* a metadata header we refuse */
	char **made;               /* directories we created, parents first */
	size_t nmade;
	int answered;
	int done;                  /* the upload succeeded */
};

/* Answers with a REST error (once) and returns -1. */
static int up_fail(struct upload *up, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int up_fail(struct upload *up, int status, const char *fmt, ...)
{
	if (up->answered)
		return -1;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	up->answered = 1;
	log_debug("files: upload failed (%d): %s", status, msg);
	agent_rest_error(up->r, status, "%s", msg);
	return -1;
}

/* An errno from creating or writing `what` at path, as status and message. */
static int up_fail_errno(struct upload *up, int err, const char *what, const char *path)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return up_fail(up, 507, "not enough disk space to %s '%s': free some space and retry", what, path);
	case EACCES:
	case EPERM:
		return up_fail(up, 403, "permission denied: cannot %s '%s'", what, path);
	case EROFS:
		return up_fail(up, 403, "cannot %s '%s': the filesystem is read-only", what, path);
	case EISDIR:
		return up_fail(up, 400, "path '%s' is a directory", path);
	case ENOTDIR:
		return up_fail(up, 400, "cannot %s '%s': a parent of it is not a directory", what, path);
	case ENAMETOOLONG:
	case ELOOP:
	case ENXIO:
	case ENOENT:
		return up_fail(up, 400, "cannot %s '%s': %s", what, path, strerror(err));
	default:
		return up_fail(up, 500, "cannot %s '%s': %s", what, path, strerror(err));
	}
}

static void up_free(struct upload *up)
{
	for (size_t i = 0; i < up->nfiles; i++) {
		struct up_file *f = &up->files[i];
		if (f->fd >= 0)
			close(f->fd);
		if (f->created && !up->done)
			unlink(f->dest);
		free(f->dest);
	}
	/* Directories made for a failed upload go again, deepest first; rmdir
	 * keeps any that something else has filled meanwhile. */
	for (size_t i = up->nmade; i-- > 0;) {
		if (!up->done)
			rmdir(up->made[i]);
		free(up->made[i]);
	}
	for (size_t i = 0; i < up->nmeta; i++) {
		free(up->mkeys[i]);
		free(up->mvals[i]);
	}
	free(up->made);
	free(up->mkeys);
	free(up->mvals);
	free(up->bad_meta);
	free(up->files);
	free(up->query_path);
	mp_free(up->mp);
	gunzip_free(up->gz);
	free(up);
}

/* Each directory an upload creates: the user's, and removed if it fails. */
static void made_dir(const char *dir, void *ud)
{
	struct upload *up = ud;
	user_chown(&up->user, dir);
	up->made = xrealloc(up->made, (up->nmade + 1) * sizeof *up->made);
	up->made[up->nmade++] = xstrdup(dir);
}

/* mkdir -p dir, chowning what we create to the user. */
static int make_parents(struct upload *up, const char *dir)
{
	sbx_err e;
	if (fsu_mkdirs_each(dir, 0755, made_dir, up, &e) == 0)
		return 0;
	if (errno == ENOTDIR)
		return up_fail(up, 400, "%s", e.msg);
	return up_fail_errno(up, errno, "create directory", dir);
}

/* The upload's metadata replaces every user.e2b.* xattr the file had. */
static int set_metadata(struct upload *up, struct up_file *f)
{
	char names[4096];
	ssize_t n = f->created ? 0 : flistxattr(f->fd, names, sizeof names);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1)
		if (!strncmp(names + i, "user.e2b.", 9))
			fremovexattr(f->fd, names + i);
	for (size_t i = 0; i < up->nmeta; i++) {
		char *name = xasprintf("user.e2b.%s", up->mkeys[i]);
		int rc = fsetxattr(f->fd, name, up->mvals[i], strlen(up->mvals[i]), 0), err = errno;
		free(name);
		if (rc == 0)
			continue;
		if (err == ENOTSUP)
			return up_fail(up, 400, "cannot store metadata on '%s': its filesystem does not support user xattrs", f->dest);
		if (err == ERANGE || err == E2BIG)
			return up_fail(up, 400, "metadata '%s' is too long to store as an xattr", up->mkeys[i]);
		return up_fail_errno(up, err, "store metadata on", f->dest);
	}
	return 0;
}

/*
 * Opens one destination for writing, in place as envd does (an SDK watching
 * the directory sees CREATE/WRITE on the file's own name, nothing else):
 * parents are created, a new file is created (and removed again if the
 * upload fails), an existing one — or a symlink's target — is truncated,
 * keeping its mode.  Owner and metadata are set at once.
 */
static int up_open(struct upload *up, const char *raw)
{
	if (!raw || !*raw)
		return up_fail(up, 400, "no destination path: pass ?path= or give the multipart part a filename");
	if (raw[strlen(raw) - 1] == '/')
		return up_fail(up, 400, "path '%s' names a directory (it ends in '/'): give a file name", raw);
	char *dest = user_path(up->a, &up->user, raw);
	for (size_t i = 0; i < up->nfiles; i++) {
		if (!strcmp(up->files[i].dest, dest)) {
			up_fail(up, 400, "you cannot upload multiple files to the same path '%s'", dest);
			free(dest);
			return -1;
		}
	}
	struct up_file f = { dest, -1, 0 };
	char *slash = strrchr(dest, '/');
	char *dir = slash == dest ? xstrdup("/") : xstrndup(dest, (size_t)(slash - dest));
	int rc = make_parents(up, dir);
	free(dir);
	if (rc == 0) {
		f.fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
		f.created = f.fd >= 0;
		/* O_NONBLOCK: a FIFO without a reader must fail, not hang the loop. */
		if (f.fd < 0 && errno == EEXIST)
			f.fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
		if (f.fd < 0)
			rc = up_fail_errno(up, errno, "write", dest);
	}
	struct stat st;
	if (rc == 0 && (fstat(f.fd, &st) < 0 || !S_ISREG(st.st_mode)))
		rc = up_fail(up, 400, "path '%s' is not a regular file", dest);
	if (rc == 0) {
		fcntl(f.fd, F_SETFL, 0);
		/* envd chowns the file (through a symlink) to the user; user_chown
		 * works on paths without following links, hence fchown here. */
		if (up->user.switch_user && geteuid() == 0 && fchown(f.fd, up->user.uid, up->user.gid) < 0)
			log_debug("files: cannot chown '%s' to %s", dest, up->user.name);
	}
	/* Added even on failure so that up_free closes and removes it. */
	up->files = xrealloc(up->files, (up->nfiles + 1) * sizeof *up->files);
	up->files[up->nfiles++] = f;
	return rc == 0 ? set_metadata(up, &up->files[up->nfiles - 1]) : rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int up_write(struct upload *up, struct up_file *f, const char *data, size_t len)
{
	if (write_all(f->fd, data, len) < 0)
		return up_fail_errno(up, errno, "write", f->dest);
	return 0;
}

static int up_close_file(struct upload *up, struct up_file *f)
{
	int rc = close(f->fd);   /* reports late write errors (e.g. on NFS) */
	f->fd = -1;
	return rc < 0 ? up_fail_errno(up, errno, "write", f->dest) : 0;
}

/* multipart callbacks */
static int mp_begin(const mp_part *part, void *ud)
{
	struct upload *up = ud;
	up->writing = part->name && !strcmp(part->name, "file");
	if (!up->writing)
		return 0;   /* envd ignores other form fields */
	return up_open(up, up->query_path ? up->query_path : part->filename);
}

static int mp_data(const char *data, size_t len, void *ud)
{
	struct upload *up = ud;
	return up->writing ? up_write(up, &up->files[up->nfiles - 1], data, len) : 0;
}

static int mp_end(void *ud)
{
	struct upload *up = ud;
	if (!up->writing)
		return 0;
	up->writing = 0;
	return up_close_file(up, &up->files[up->nfiles - 1]);
}

static const mp_callbacks up_mp_cbs = { mp_begin, mp_data, mp_end };

/* The body's bytes, decoded when it came gzipped. */
static int up_body(const char *data, size_t len, void *ud)
{
	struct upload *up = ud;
	if (up->answered)
		return -1;
	if (!up->mp)
		return up_write(up, &up->files[0], data, len);
	sbx_err e;
	if (mp_feed(up->mp, data, len, &e) < 0) {
		if (!mp_stopped_by_receiver(up->mp))
			up_fail(up, 400, "bad multipart body: %s", e.msg);
		return -1;
	}
	return 0;
}

static int on_chunk(http_req *r, const char *data, size_t len, void *ud)
{
	(void)r;
	struct upload *up = ud;
	if (up->answered)
		return -1;
	if (!up->gz)
		return up_body(data, len, up);
	sbx_err e;
	if (gunzip_feed(up->gz, data, len, &e) < 0) {
		if (!gunzip_stopped_by_receiver(up->gz))
			up_fail(up, 400, "%s", e.msg);
		return -1;
	}
	return 0;
}

static void respond_entries(struct upload *up)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < up->nfiles; i++) {
		/* Paths and X-Metadata-* are the client's bytes, not always UTF-8. */
		json_t *o = json_pack("{s:o,s:o,s:s}", "name", json_text(base_name(up->files[i].dest)), "path",
				      json_text(up->files[i].dest), "type", "file");
		if (up->nmeta) {
			json_t *m = json_object();
			for (size_t k = 0; k < up->nmeta; k++)
				json_text_set(m, up->mkeys[k], json_text(up->mvals[k]));
			json_object_set_new(o, "metadata", m);
		}
		json_array_append_new(arr, o);
	}
	char *s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (s)
		http_respond_str(up->r, 200, "application/json", s);
	else
		agent_rest_error(up->r, 500, "the files were written but the answer could not be encoded");
	free(s);
}

static void on_end(http_req *r, void *ud)
{
	(void)r;
	struct upload *up = ud;
	if (up->answered)
		return;
	sbx_err e;
	if (up->gz && gunzip_finish(up->gz, &e) < 0) {
		up_fail(up, 400, "%s", e.msg);
		return;
	}
	if (up->mp && mp_finish(up->mp, &e) < 0) {
		up_fail(up, 400, "bad multipart body: %s", e.msg);
		return;
	}
	if (up->nfiles == 0) {
		up_fail(up, 400, "the multipart body has no part named 'file'");
		return;
	}
	if (!up->mp && up_close_file(up, &up->files[0]) < 0)
		return;
	up->done = 1;
	respond_entries(up);
}

static void on_close(http_req *r, int ok, void *ud)
{
	(void)r, (void)ok;
	up_free(ud);
}

static void collect_meta(const char *key, const char *value, void *ud)
{
	struct upload *up = ud;
	static const char prefix[] = "X-Metadata-";
	if (strncasecmp(key, prefix, sizeof prefix - 1))
		return;
	const char *k = key + sizeof prefix - 1;
	if (!*k || strchr(k, '/')) {
		if (!up->bad_meta)
			up->bad_meta = xstrdup(key);
		return;
	}
	char *lk = xstrdup(k);
	for (char *p = lk; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < up->nmeta; i++) {
		if (!strcmp(up->mkeys[i], lk)) {   /* a repeated header: the last one wins */
			free(up->mvals[i]);
			up->mvals[i] = xstrdup(value);
			free(lk);
			return;
		}
	}
	up->mkeys = xrealloc(up->mkeys, (up->nmeta + 1) * sizeof *up->mkeys);
	up->mvals = xrealloc(up->mvals, (up->nmeta + 1) * sizeof *up->mvals);
	up->mkeys[up->nmeta] = lk;
	up->mvals[up->nmeta++] = xstrdup(value);
}

static void files_post(agent *a, http_req *r)
{
	sbx_err e;
	sbx_user user;
	if (user_resolve(a, http_req_header(r, "Authorization"), http_req_query(r, "username"), &user, &e) < 0) {
		agent_rest_error(r, 401, "%s", e.msg);
		return;
	}
	const char *enc = http_req_header(r, "Content-Encoding");
	int gzipped = enc && !strcasecmp(enc, "gzip");
	if (enc && *enc && strcasecmp(enc, "identity") && !gzipped) {
		agent_rest_error(r, 400, "Content-Encoding '%s' is not supported: send the upload as gzip or uncompressed", enc);
		return;
	}
	const char *ct = http_req_header(r, "Content-Type");
	const char *qpath = http_req_query(r, "path");
	char *boundary = NULL;
	if (ct && !strncasecmp(ct, "multipart/form-data", 19)) {
		if (!(boundary = mp_boundary_from_content_type(ct, &e))) {
			agent_rest_error(r, 400, "%s", e.msg);
			return;
		}
	} else if (ct && !strncasecmp(ct, "application/octet-stream", 24)) {
		if (!qpath || !*qpath) {
			agent_rest_error(r, 400, "?path= is required for application/octet-stream uploads");
			return;
		}
	} else {
		agent_rest_error(r, 400, "unsupported Content-Type '%s': use multipart/form-data or application/octet-stream",
				 ct ? ct : "(none)");
		return;
	}

	struct upload *up = xcalloc(1, sizeof *up);
	up->a = a;
	up->r = r;
	up->user = user;
	up->query_path = qpath && *qpath ? xstrdup(qpath) : NULL;
	if (gzipped)
		up->gz = gunzip_new(up_body, up);
	http_req_foreach_header(r, collect_meta, up);
	int rc = 0;
	if (up->bad_meta)
		rc = up_fail(up, 400, "bad metadata header '%s': use X-Metadata-<key> with a key", up->bad_meta);
	else if (boundary && !(up->mp = mp_new(boundary, &up_mp_cbs, up, &e)))
		rc = up_fail(up, 400, "%s", e.msg);
	else if (!boundary)
		rc = up_open(up, up->query_path);
	free(boundary);
	if (rc < 0) {
		up_free(up);   /* answered; the server discards the body */
		return;
	}
	http_req_on_close(r, on_close, up);
	http_req_stream_body(r, on_chunk, on_end, up);
}

void envd_files_route(agent *a, http_req *r)
{
	const char *m = http_req_method(r);
	if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
		files_get(a, r);
	} else if (!strcmp(m, "POST")) {
		files_post(a, r);
	} else {
		http_req_add_header(r, "Allow", "GET, HEAD, POST");
		agent_rest_error(r, 405, "method %s is not allowed on /files: use GET to download or POST to upload", m);
	}
}
