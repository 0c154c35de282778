#include "ports.h"
#include "../http/client.h"
#include "../http/relay.h"
#include "../proto/jsontext.h"
#include "../util/buf.h"
#include "../util/pump.h"
#include "../util/xalloc.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD_MAX 256
#define TCP_LISTEN 0x0A

struct ports {
	http_client *cl;
};

void ports_init(agent *a)
{
	a->ports = xcalloc(1, sizeof *a->ports);
	a->ports->cl = http_client_new(a->loop);
}

void ports_free(agent *a)
{
	if (!a->ports)
		return;
	http_client_free(a->ports->cl);
	free(a->ports);
	a->ports = NULL;
}

/* --- GET /sbx/ports ------------------------------------------------------------ */

/* /proc/net/tcp prints each 32-bit word of the address in host order. */
static int hex_addr(const char *hex, int v6, char *out, size_t n)
{
	size_t words = v6 ? 4 : 1;
	if (strlen(hex) != words * 8)
		return -1;
	uint32_t w[4];
	for (size_t i = 0; i < words; i++) {
		char part[9];
		memcpy(part, hex + 8 * i, 8);
		part[8] = '\0';
		char *end;
		w[i] = (uint32_t)strtoul(part, &end, 16);
		if (*end)
			return -1;
	}
	return inet_ntop(v6 ? AF_INET6 : AF_INET, w, out, (socklen_t)n) ? 0 : -1;
}

void ports_parse_proc(const char *text, int v6, json_t *out)
{
	const char *line = strchr(text, '\n');   /* the header */
	while (line && *++line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char l[512], hex[33], addr[INET6_ADDRSTRLEN];
		unsigned port, st;
		unsigned long inode;
		if (len < sizeof l) {
			memcpy(l, line, len);
			l[len] = '\0';
			if (sscanf(l, " %*u: %32[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x %*x %*u %*u %lu",
				   hex, &port, &st, &inode) == 4 &&
			    st == TCP_LISTEN && port > 0 && port < 65536 && hex_addr(hex, v6, addr, sizeof addr) == 0)
				json_array_append_new(out, json_pack("{s:i,s:s,s:s,s:I}", "port", (int)port, "address",
								     addr, "proto", v6 ? "tcp6" : "tcp", "inode",
								     (json_int_t)inode));
		}
		line = eol;
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	sbx_buf b = SBX_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	buf_putc(&b, '\0');
	return b.data;
}

/* The socket inode an fd link names ("socket:[123]"), or 0; *read is
 * set when the link could be read at all. */
static unsigned long sock_inode(int dirfd, const char *name, int *read)
{
	char link[64];
	ssize_t n = readlinkat(dirfd, name, link, sizeof link - 1);
	if (n <= 0)
		return 0;
	*read = 1;
	link[n] = '\0';
	unsigned long ino;
	return sscanf(link, "socket:[%lu]", &ino) == 1 ? ino : 0;
}

static json_t *find_entry(json_t *list, unsigned long ino)
{
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
		if ((unsigned long)json_integer_value(json_object_get(e, "inode")) == ino)
			return e;
	return NULL;
}

/* A process's command line, its NULs as spaces (at most 4 KiB); NULL when
 * it has none (a kernel thread, a zombie) or cannot be read. */
static char *cmdline_of(const char *pid)
{
	char path[300];
	snprintf(path, sizeof path, "/proc/%s/cmdline", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = xmalloc(4097);
	size_t n = fread(buf, 1, 4096, f);
	fclose(f);
	while (n && buf[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	if (!n) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The agent's kernels name their connection file in the agent's runtime
 * dir, $TMPDIR/sbxk-<agent pid>-XXXXXX (kernel.c): their listeners are
 * the agent's, not the user's.  Processes a cell starts are the user's. */
static int agent_kernel(const char *cmd)
{
	char needle[32];
	snprintf(needle, sizeof needle, "/sbxk-%d-", (int)getpid());
	return cmd && strstr(cmd, needle) != NULL;
}

/* Marks the listeners among one process's fds with its pid and cmd (the
 * agent's own: "agent").  Returns how many fd links it could read: none
 * when it may not (proc lists them, but reading one needs ptrace access). */
static int scan_fds(json_t *list, const char *pid, int mine)
{
	char path[300];
	snprintf(path, sizeof path, "/proc/%s/fd", pid);
	DIR *fds = opendir(path);
	int seen = 0;
	if (!fds)
		return 0;
	for (struct dirent *fe; (fe = readdir(fds));) {
		int read = 0;
		unsigned long ino = fe->d_name[0] == '.' ? 0 : sock_inode(dirfd(fds), fe->d_name, &read);
		seen += read;
		json_t *e = ino ? find_entry(list, ino) : NULL;
		if (!e || json_object_get(e, "pid"))
			continue;
		char *cmd = mine ? NULL : cmdline_of(pid);
		if (mine || agent_kernel(cmd)) {
			json_object_set_new(e, "agent", json_true());
			json_object_set_new(e, "pid", json_null());
		} else {
			json_object_set_new(e, "pid", json_integer(atoi(pid)));
			if (cmd && strlen(cmd) > CMD_MAX)
				cmd[CMD_MAX] = '\0';
			json_object_set_new(e, "cmd", cmd ? json_text(cmd) : json_null());   /* any bytes */
		}
		free(cmd);
	}
	closedir(fds);
	return seen;
}

/* Owner pid/cmd of each listener, by a scan of /proc/PID/fd.  The fds of
 * another user's process need CAP_SYS_PTRACE, which a sandbox's root has
 * not: those are read as their owner (fs ids only, this thread). */
static void add_owners(json_t *list)
{
	DIR *proc = opendir("/proc");
	if (!proc)
		return;
	pid_t self = getpid();
	for (struct dirent *de; (de = readdir(proc));) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		int mine = atoi(de->d_name) == (int)self;
		struct stat st;
		if (scan_fds(list, de->d_name, mine) > 0 || geteuid() != 0 ||
		    fstatat(dirfd(proc), de->d_name, &st, 0) < 0 || st.st_uid == 0)
			continue;
		int og = setfsgid(st.st_gid), ou = setfsuid(st.st_uid);
		scan_fds(list, de->d_name, mine);
		setfsuid((uid_t)ou);
		setfsgid((gid_t)og);
	}
	closedir(proc);
}

static void ports_list(http_req *r)
{
	json_t *all = json_array(), *out = json_array();
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	for (int v6 = 0; v6 < 2; v6++) {
		char *text = slurp(files[v6]);
		if (text)
			ports_parse_proc(text, v6, all);
		free(text);
	}
	add_owners(all);
	size_t i;
	json_t *e;
	json_array_foreach(all, i, e) {
		if (json_is_true(json_object_get(e, "agent")))
			continue;
		json_object_del(e, "inode");
		if (!json_object_get(e, "pid"))
			json_object_set_new(e, "pid", json_null());
		if (!json_object_get(e, "cmd"))
			json_object_set_new(e, "cmd", json_null());
		json_array_append(out, e);
	}
	json_decref(all);
	char *s = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	http_respond_str(r, 200, "application/json", s);
	free(s);
}

/* --- /sbx/port/P/... ------------------------------------------------------------- */

typedef struct port_call {
	int port;
} port_call;

static void port_fail(http_req *r, const char *err, void *ud)
{
	port_call *pc = ud;
	char msg[512];
	snprintf(msg, sizeof msg, "The sandbox is running but port is not open: nothing answers on port %d inside "
		 "the sandbox (%s); start a server there, listening on 0.0.0.0 or 127.0.0.1", pc->port, err);
	json_t *j = json_pack("{s:i,s:o,s:i}", "code", 502, "message", json_text(msg), "port", pc->port);
	const char *sid = http_req_header(r, "E2b-Sandbox-Id");
	if (sid)
		json_object_set_new(j, "sandboxId", json_text(sid));
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	http_respond_str(r, 502, "application/json", s);
	free(s);
}

static void port_gone(void *ud)
{
	free(ud);
}

/* "P" then "" or "/..." → port and the rest; -1 when malformed. */
static int split_port(const char *s, const char **rest)
{
	int v = 0, n = 0;
	while (s[n] >= '0' && s[n] <= '9' && n < 6)
		v = v * 10 + (s[n++] - '0');
	if (!n || n > 5 || v < 1 || v > 65535 || (s[n] && s[n] != '/'))
		return -1;
	*rest = s + n;
	return v;
}

static void port_relay(agent *a, http_req *r, const char *spec)
{
	const char *rest;
	int port = split_port(spec, &rest);
	if (port < 0) {
		agent_rest_error(r, 400, "%s: want /sbx/port/PORT/PATH with PORT 1-65535", http_req_path(r));
		return;
	}
	port_call *pc = xcalloc(1, sizeof *pc);
	pc->port = port;
	http_relay_cbs cbs = { .on_fail = port_fail, .on_gone = port_gone, .ud = pc };
	http_relay *rl = http_relay_new(r, a->ports->cl, &cbs);
	sbx_buf url = SBX_BUF_INIT;
	buf_printf(&url, "http://127.0.0.1:%d", port);
	http_relay_append_target(&url, r, *rest ? rest : "/");
	static const char *const drop[] = { "X-Access-Token", "E2B-Traffic-Access-Token", NULL };
	http_relay_up up = { .url = url.data, .drop = drop, .keep_host = 1, .connect_timeout_ms = 5000 };
	http_relay_start(rl, &up);
	buf_free(&url);
}

/* --- GET /sbx/tunnel/P ------------------------------------------------------------ */

typedef struct tunnel {
	agent *a;
	int fd;                  /* to 127.0.0.1:P */
	http_upgraded *up;
	sbx_pump *pump;
} tunnel;

static void tunnel_end(tunnel *t)
{
	pump_free(t->pump);
	if (t->up)
		http_upgraded_close(t->up);
	close(t->fd);
	free(t);
}

static void tunnel_done(sbx_pump *p, void *ud)
{
	(void)p;
	tunnel_end(ud);
}

static void tunnel_abort(void *ud)
{
	tunnel *t = ud;
	t->up = NULL;   /* the server closes it */
	tunnel_end(t);
}

/* ok = 0: the 101 never went out (the client left); ok = 1: tunnel_up follows. */
static void tunnel_closed(http_req *r, int ok, void *ud)
{
	(void)r;
	if (!ok)
		tunnel_end(ud);
}

static void tunnel_up(http_upgraded *u, int fd, const char *extra, size_t len, void *ud)
{
	tunnel *t = ud;
	t->up = u;
	t->pump = pump_new(t->a->loop, fd, t->fd, extra, len, NULL, 0, tunnel_done, t);
}

/* Loopback: the connect answers at once (accepted or refused). */
static int connect_local(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void tunnel_open(agent *a, http_req *r, const char *spec)
{
	const char *rest;
	int port = split_port(spec, &rest);
	const char *upg = http_req_header(r, "Upgrade");
	if (port < 0 || *rest) {
		agent_rest_error(r, 400, "%s: want /sbx/tunnel/PORT with PORT 1-65535", http_req_path(r));
		return;
	}
	if (strcmp(http_req_method(r), "GET") || !upg || strcasecmp(upg, "sbx-tcp")) {
		agent_rest_error(r, 400, "/sbx/tunnel/%d wants GET with Connection: Upgrade and Upgrade: sbx-tcp", port);
		return;
	}
	int fd = connect_local(port);
	if (fd < 0) {
		char err[128];
		snprintf(err, sizeof err, "connect to 127.0.0.1:%d: %s", port, strerror(errno));
		port_call pc = { port };
		port_fail(r, err, &pc);
		return;
	}
	tunnel *t = xcalloc(1, sizeof *t);
	t->a = a;
	t->fd = fd;
	http_respond_upgrade(r, "sbx-tcp", tunnel_up, tunnel_abort, t);
	http_req_on_close(r, tunnel_closed, t);
}

void ports_route(agent *a, http_req *r)
{
	const char *path = http_req_path(r);
	if (!strcmp(path, "/sbx/ports")) {
		if (strcmp(http_req_method(r), "GET")) {
			http_req_add_header(r, "Allow", "GET");
			agent_rest_error(r, 405, "method %s is not allowed on /sbx/ports: use GET", http_req_method(r));
			return;
		}
		ports_list(r);
	} else if (!strncmp(path, "/sbx/port/", 10)) {
		port_relay(a, r, path + 10);
	} else if (!strncmp(path, "/sbx/tunnel/", 12)) {
		tunnel_open(a, r, path + 12);
	} else {
		agent_rest_error(r, 404, "no such endpoint: %s %s", http_req_method(r), path);
	}
}
