/* qemu_qmp: see qemu_qmp.h. */
#include "qemu_qmp.h"
#include "../../src/util/timeutil.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The longest line we accept: query-* replies are a few KiB. */
#define QMP_LINE_MAX (1u << 20)

qmp_kind qmp_parse_line(const char *line, size_t len, json_t **msg, const char **id, sbx_err *e)
{
	json_error_t je;
	*msg = NULL;
	*id = NULL;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		sbx_error(e, "QEMU sent a line that is not JSON (%s)", je.text);
		return QMP_OTHER;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		sbx_error(e, "QEMU sent JSON that is not an object");
		return QMP_OTHER;
	}
	qmp_kind k;
	if (json_is_object(json_object_get(j, "QMP")))
		k = QMP_GREETING;
	else if (json_is_string(json_object_get(j, "event")))
		k = QMP_EVENT;
	else if (json_object_get(j, "return"))
		k = QMP_RETURN;
	else if (json_is_object(json_object_get(j, "error")))
		k = QMP_ERROR;
	else {
		json_decref(j);
		sbx_error(e, "QEMU sent an object that is no QMP message");
		return QMP_OTHER;
	}
	if (k == QMP_RETURN || k == QMP_ERROR) {
		json_t *i = json_object_get(j, "id");
		*id = json_is_string(i) ? json_string_value(i) : NULL;
	}
	*msg = j;
	return k;
}

static int remaining(int64_t deadline)
{
	int64_t left = deadline - now_ms();
	return left < 0 ? 0 : (int)left;
}

/* The next whole line into *msg (classified), by deadline. */
static qmp_kind read_msg(qmp *q, int64_t deadline, json_t **msg, const char **id, sbx_err *e)
{
	for (;;) {
		char *nl = q->in.len ? memchr(q->in.data, '\n', q->in.len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - q->in.data);
			qmp_kind k = qmp_parse_line(q->in.data, n, msg, id, e);
			/* *id points into *msg, not into the buffer: safe to consume. */
			buf_consume(&q->in, n + 1);
			return k;
		}
		if (q->in.len > QMP_LINE_MAX) {
			sbx_error(e, "QEMU sent a QMP line over %u bytes", QMP_LINE_MAX);
			return QMP_OTHER;
		}
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int r = poll(&p, 1, remaining(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sbx_error_errno(e, "waiting for QEMU's QMP socket");
			return QMP_OTHER;
		}
		if (r == 0) {
			sbx_error(e, "QEMU did not answer on its QMP socket in time");
			return QMP_OTHER;
		}
		buf_grow(&q->in, 65536);
		ssize_t got = read(q->fd, q->in.data + q->in.len, 65536);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			if (got < 0 && errno != ECONNRESET)
				sbx_error_errno(e, "reading QEMU's QMP socket");
			else
				sbx_error(e, "QEMU closed its QMP socket (it exited; see its log)");
			return QMP_OTHER;
		}
		q->in.len += (size_t)got;
		q->in.data[q->in.len] = '\0';
	}
}

static int send_all(int fd, const char *s, size_t n, sbx_err *e)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			return sbx_error(e, "QEMU closed its QMP socket (it exited; see its log)");
		if (w < 0)
			return sbx_error_errno(e, "writing to QEMU's QMP socket");
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int qmp_open(qmp *q, const char *sock, int timeout_ms, sbx_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + timeout_ms;
	q->fd = -1;
	q->next_id = 1;
	buf_init(&q->in);
	if (strlen(sock) >= sizeof sa.sun_path)
		return sbx_error(e, "QMP socket path %s is too long for a Unix socket", sock);
	strcpy(sa.sun_path, sock);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return sbx_error_errno(e, "socket");
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
			q->fd = fd;
			break;
		}
		int err = errno;
		close(fd);
		if ((err != ENOENT && err != ECONNREFUSED) || now_ms() >= deadline) {
			errno = err;
			return sbx_error_errno(e, "cannot connect to QEMU's QMP socket %s", sock);
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	json_t *msg;
	const char *id;
	qmp_kind k = read_msg(q, deadline, &msg, &id, e);
	json_decref(msg);
	if (k != QMP_GREETING) {
		if (k != QMP_OTHER)
			sbx_error(e, "QEMU's QMP socket did not start with a greeting");
		qmp_close(q);
		return -1;
	}
	if (qmp_exec(q, "qmp_capabilities", NULL, remaining(deadline) + 1000, NULL, e) < 0) {
		qmp_close(q);
		return -1;
	}
	return 0;
}

int qmp_exec(qmp *q, const char *cmd, json_t *args, int timeout_ms, json_t **ret, sbx_err *e)
{
	char idbuf[32];
	int64_t deadline = now_ms() + timeout_ms;
	if (ret)
		*ret = NULL;
	if (q->fd < 0) {
		json_decref(args);
		return sbx_error(e, "QMP connection is closed");
	}
	snprintf(idbuf, sizeof idbuf, "sbx-%u", q->next_id++);
	json_t *req = json_pack("{s:s, s:s}", "execute", cmd, "id", idbuf);
	if (args)
		json_object_set_new(req, "arguments", args);
	char *text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	size_t n = strlen(text);
	text[n] = '\n';   /* json_dumps's NUL becomes the line end */
	int rc = send_all(q->fd, text, n + 1, e);
	free(text);
	if (rc < 0)
		return -1;
	for (;;) {
		json_t *msg;
		const char *id;
		qmp_kind k = read_msg(q, deadline, &msg, &id, e);
		if (k == QMP_OTHER)
			return -1;
		if ((k == QMP_RETURN || k == QMP_ERROR) && id && !strcmp(id, idbuf)) {
			if (k == QMP_ERROR) {
				json_t *d = json_object_get(json_object_get(msg, "error"), "desc");
				sbx_error(e, "QEMU refused %s: %s", cmd,
					  json_is_string(d) ? json_string_value(d) : "(no description)");
				json_decref(msg);
				return -1;
			}
			if (ret)
				*ret = json_incref(json_object_get(msg, "return"));
			json_decref(msg);
			return 0;
		}
		/* Events and stale replies (an earlier command that timed out). */
		json_decref(msg);
	}
}

void qmp_close(qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	buf_free(&q->in);
}
