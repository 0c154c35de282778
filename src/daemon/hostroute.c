#include "hostroute.h"
#include "api.h"
#include "proxy.h"
#include "record.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, size_t n, int *port)
{
	if (!n || n > 5)
		return 0;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535 || (n > 1 && s[0] == '0'))
		return 0;
	*port = v;
	return 1;
}

int hostroute_parse_host(const char *host, char *id, size_t idn, int *port)
{
	if (!host)
		return 0;
	const char *dash = strchr(host, '-'), *dot = dash ? strchr(dash, '.') : NULL;
	if (!dash || !dot || !dot[1] || dot[1] == ':')
		return 0;
	size_t n = (size_t)(dot - dash - 1);
	if (!parse_port(host, (size_t)(dash - host), port) || !n || n > SBXD_ID_MAX || n >= idn)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)dash[1 + i]);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 0;
		id[i] = c;
	}
	id[n] = '\0';
	return 1;
}

int hostroute_parse_port(const char *v, int *port)
{
	return v && parse_port(v, strlen(v), port);
}

static int agent_port(int port)
{
	return port == HOSTROUTE_ENVD_PORT || port == HOSTROUTE_CODE_PORT;
}

int hostroute_handle(sbxd *d, http_req *r)
{
	char id[SBXD_ID_MAX + 1];
	int port;
	if (hostroute_parse_host(http_req_header(r, "Host"), id, sizeof id, &port)) {
		if (agent_port(port))
			proxy_handle(d, r, id);
		else
			proxy_port(d, r, id, port);
		return 1;
	}
	const char *sid = http_req_header(r, "E2b-Sandbox-Id"), *sp = http_req_header(r, "E2b-Sandbox-Port");
	if (!sid || !sp)
		return 0;
	if (!hostroute_parse_port(sp, &port)) {
		api_error(r, 400, "E2b-Sandbox-Port '%s' is not a port number (1-65535)", sp);
		return 1;
	}
	if (agent_port(port))
		return 0;   /* the data plane as always */
	proxy_port(d, r, sid, port);
	return 1;
}

void hostroute_set_domain(sbxd *d, json_t *sandbox)
{
	char dom[32];
	if (d->port <= 0)
		return;   /* a unix socket: no host name reaches it */
	snprintf(dom, sizeof dom, "localhost:%d", d->port);
	json_object_set_new(sandbox, "domain", json_string(dom));
}
