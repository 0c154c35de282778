/*
 * libFuzzer: raw bytes from a client into a real sbx-agent — MHD's request
 * parser, our server's body and stream plumbing, the router, every module's
 * request decoding and its error answers.  Method, path, query, headers and
 * body are all whatever the fuzzer made up; nothing passes jansson first.
 *
 * One agent (no kernel) listens on a unix socket.  Each input is written to
 * a fresh connection and the agent's loop is run until it closes the
 * connection or goes quiet; then the client leaves.  The agent's settings
 * are reset before each input (a POST /init may have changed them), with an
 * access token when the input ends in byte 0x01: the 401 paths and signed
 * URL checks are client-reachable too.  Checks:
 * no sanitizer report; an error answered as JSON is valid JSON with a
 * message; every 64 inputs the agent still answers /health.
 *
 * The agent does what it is asked (it writes files, starts processes), so
 * run-fuzz.sh runs this target fenced: as nobody, in its own mount, network
 * and pid namespaces, with empty /tmp and no executables.
 */
#include "../../src/agent/agent.h"
#include "../../src/util/buf.h"
#include "../../src/util/xalloc.h"
#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_TURNS 200     /* loop iterations per input, at most */
#define QUIET_TURNS 6     /* ... and this many without a byte ends it */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static agent ag;
static struct sockaddr_un sun = { .sun_family = AF_UNIX };
static unsigned long inputs;
static char *workdir, *user;

static void reset_agent(int with_token)
{
	free(ag.cfg.access_token);
	free(ag.cfg.default_user);
	free(ag.cfg.workdir);
	ag.cfg.access_token = with_token ? xstrdup("fuzz-token") : NULL;
	ag.cfg.default_user = xstrdup(user);
	ag.cfg.workdir = xstrdup(workdir);
	kv_free(&ag.env);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	char dir[] = "/tmp/sbx-fuzz-agent.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("fuzz_agent_http: mkdtemp");
		exit(1);
	}
	struct passwd *pw = getpwuid(geteuid());
	workdir = xstrdup(dir);
	user = xstrdup(pw ? pw->pw_name : "root");
	ag.loop = loop_new();
	ag.cfg.no_kernel = 1;
	reset_agent(0);
	if (children_init(&ag) < 0) {
		perror("fuzz_agent_http: children_init");
		exit(1);
	}
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s/agent.sock", dir);
	char addr[sizeof sun.sun_path + 8];
	snprintf(addr, sizeof addr, "unix:%s", sun.sun_path);
	http_server *srv = http_server_new(ag.loop, router_handle, &ag);
	sbx_err e;
	if (http_server_listen(srv, addr, &e) < 0) {
		fprintf(stderr, "fuzz_agent_http: %s\n", e.msg);
		exit(1);
	}
	envd_process_init(&ag);
	envd_fs_init(&ag);
	/* ag.code stays NULL: the code endpoints answer 503 without starting
	 * kernels (fuzz_code_requests covers their request parsing). */
	return 0;
}

/* Sends data on a fresh connection, runs the agent, returns what came back. */
static void exchange(const void *data, size_t size, sbx_buf *resp)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
		perror("fuzz_agent_http: connect");
		abort();
	}
	size_t off = 0;
	int quiet = 0;
	for (int turn = 0; turn < MAX_TURNS && quiet < QUIET_TURNS; turn++) {
		if (off < size) {
			ssize_t w = send(fd, (const char *)data + off, size - off, MSG_NOSIGNAL);
			if (w > 0)
				off += (size_t)w;
		}
		loop_once(ag.loop, turn < 2 ? 0 : 1);
		char tmp[16384];
		ssize_t n;
		int got = 0;
		while ((n = read(fd, tmp, sizeof tmp)) > 0) {
			buf_append(resp, tmp, (size_t)n);
			got = 1;
		}
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;   /* the agent closed the connection */
		quiet = got || off < size ? 0 : quiet + 1;
	}
	close(fd);
	for (int i = 0; i < 3; i++)   /* let it see the client leave */
		loop_once(ag.loop, 0);
}

/* An error the agent answered as JSON (with a length) must be valid JSON
 * with a message: an error path that lost its body is a bug.  (The answer
 * to HEAD has no body: what follows belongs to the next request.) */
static void check_error_body(const uint8_t *req, size_t size, const sbx_buf *resp)
{
	while (size && (*req == '\r' || *req == '\n'))   /* MHD skips blank lines before a request */
		req++, size--;
	if (size >= 5 && !memcmp(req, "HEAD ", 5))
		return;
	const char *s = buf_cstr((sbx_buf *)resp);
	unsigned status;
	if (resp->len < 12 || sscanf(s, "HTTP/1.%*1[01] %3u", &status) != 1 || status < 400)
		return;
	const char *end = strstr(s, "\r\n\r\n");
	if (!end)
		return;
	size_t hlen = (size_t)(end - s);
	char *head = xstrndup(s, hlen);
	long clen = -1;
	int json = 0;
	for (char *line = strtok(head, "\r\n"); line; line = strtok(NULL, "\r\n")) {
		if (!strncasecmp(line, "Content-Length:", 15))
			clen = strtol(line + 15, NULL, 10);
		else if (!strncasecmp(line, "Content-Type:", 13) && strstr(line, "json"))
			json = 1;
	}
	free(head);
	const char *body = end + 4;
	size_t have = resp->len - hlen - 4;
	if (!json || clen < 0 || (size_t)clen > have)
		return;
	json_error_t je;
	json_t *j = json_loadb(body, (size_t)clen, 0, &je);
	if (!j || !json_is_string(json_object_get(j, "message"))) {
		fprintf(stderr, "fuzz_agent_http: %u answer without a JSON message: %.*s\n", status, (int)clen, body);
		abort();
	}
	json_decref(j);
}

static void check_alive(void)
{
	static const char probe[] = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	sbx_buf r = SBX_BUF_INIT;
	exchange(probe, sizeof probe - 1, &r);
	if (r.len < 12 || memcmp(r.data, "HTTP/1.1 204", 12)) {
		fprintf(stderr, "fuzz_agent_http: the agent no longer answers /health: %.*s\n", (int)r.len,
			r.data ? r.data : "");
		abort();
	}
	buf_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sbx_buf r = SBX_BUF_INIT;
	reset_agent(size && data[size - 1] == 0x01);
	exchange(data, size, &r);
	check_error_body(data, size, &r);
	buf_free(&r);
	if (++inputs % 64 == 0) {
		reset_agent(0);
		check_alive();
	}
	return 0;
}
