/*
 * router: authenticate each request and hand it to the module that owns its
 * path (see agent.h).  Error bodies come in the two shapes the SDK reads.
 */
#include "agent.h"
#include "envd_files.h"
#include "ports.h"
#include "../proto/jsontext.h"
#include "../util/buf.h"
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int token_eq(const char *got, const char *want)
{
	size_t n = strlen(want);
	return got && strlen(got) == n && CRYPTO_memcmp(got, want, n) == 0;
}

/* The code-interpreter SDK sends X-Access-Token only on /execute; its other
 * calls carry E2B-Traffic-Access-Token when the control plane issued one, so
 * either header opens the code endpoints. */
static int token_ok(agent *a, http_req *r, int code_api)
{
	const char *want = a->cfg.access_token;
	if (!want || !*want)
		return 1;
	if (token_eq(http_req_header(r, "X-Access-Token"), want))
		return 1;
	return code_api && token_eq(http_req_header(r, "E2B-Traffic-Access-Token"), want);
}

static int has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

void router_handle(http_req *r, void *ud)
{
	agent *a = ud;
	const char *path = http_req_path(r);

	if (!strcmp(path, "/health") && http_req_local_port(r) == 49999 && !strcmp(http_req_method(r), "GET")) {
		/* The code interpreter's own health check, on its port: 200 "OK". */
		http_req_add_header(r, "Cache-Control", "no-store");
		http_respond_str(r, 200, "application/json", "\"OK\"");
		return;
	}
	if (!strcmp(path, "/health")) {
		envd_misc_route(a, r);
		return;
	}
	if (!strcmp(path, "/files")) {
		const char *why = files_auth_error(a, r);
		if (why) {
			agent_rest_error(r, 401, "%s", why);
			return;
		}
		envd_files_route(a, r);
		return;
	}
	int code_api = !strcmp(path, "/execute") || !strcmp(path, "/contexts") ||
		       has_prefix(path, "/contexts/") || !strcmp(path, "/languages");
	if (!token_ok(a, r, code_api)) {
		if (has_prefix(path, "/process.Process/") || has_prefix(path, "/filesystem.Filesystem/"))
			agent_connect_error(r, "unauthenticated", "unauthorized access, please provide a valid access token (X-Access-Token)");
		else
			agent_rest_error(r, 401, "unauthorized access, please provide a valid access token (X-Access-Token)");
		return;
	}
	if (has_prefix(path, "/process.Process/")) {
		envd_process_route(a, r, path + strlen("/process.Process/"));
	} else if (has_prefix(path, "/filesystem.Filesystem/")) {
		envd_fs_route(a, r, path + strlen("/filesystem.Filesystem/"));
	} else if (has_prefix(path, "/sbx/")) {
		ports_route(a, r);
	} else if (code_api) {
		code_route(a, r);
	} else if (!strcmp(path, "/envs") || !strcmp(path, "/metrics") || !strcmp(path, "/init")) {
		envd_misc_route(a, r);
	} else {
		agent_rest_error(r, 404, "no such endpoint: %s %s", http_req_method(r), path);
	}
}

void agent_connect_error(http_req *r, const char *code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *body = json_error_connect(code, msg);
	http_respond_str(r, connect_code_status(code), "application/json", body);
	free(body);
}

void agent_rest_error(http_req *r, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *body = json_error_rest(status, msg);
	http_respond_str(r, status, "application/json; charset=utf-8", body);
	free(body);
}
