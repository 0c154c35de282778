#include "netrules.h"
#include "../util/strv.h"
#include "../util/xalloc.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* "N" of "ADDR/N": digits only, at most max. */
static int prefix_len(const char *s, int max)
{
	if (!*s || strlen(s) > 3 || strspn(s, "0123456789") != strlen(s))
		return -1;
	int n = atoi(s);
	return n <= max ? n : -1;
}

static void clear_host_bits(unsigned char *a, size_t len, int prefix)
{
	for (size_t i = 0; i < len; i++) {
		int keep = prefix - (int)i * 8;
		if (keep >= 8)
			continue;
		a[i] &= keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));
	}
}

/* 1 and the normalized address (or CIDR) in out, 0 when s is not one. */
static int address(const char *s, char *out, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];
	if (strlen(s) >= sizeof buf)
		return 0;
	snprintf(buf, sizeof buf, "%s", s);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	int af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, a) != 1)
		return 0;
	int max = af == AF_INET ? 32 : 128, prefix = max;
	if (slash && (prefix = prefix_len(slash, max)) < 0)
		return 0;
	clear_host_bits(a, af == AF_INET ? 4 : 16, prefix);
	char txt[INET6_ADDRSTRLEN];
	inet_ntop(af, a, txt, sizeof txt);
	if (slash)
		snprintf(out, n, "%s/%d", txt, prefix);
	else
		snprintf(out, n, "%s", txt);
	return 1;
}

/* RFC 1123 host name: labels of [a-z0-9-], 1-63 long, no '-' at either
 * end, 253 in all; not all digits and dots (that is a bad address). */
static int host_name(const char *s, char *out, size_t n)
{
	size_t len = strlen(s);
	if (len && s[len - 1] == '.')
		len--;
	if (!len || len > 253 || len >= n)
		return 0;
	int alpha = 0;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		char c = (char)tolower((unsigned char)s[i]);
		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)c) || c == '-') {
			if ((c == '-' && !label) || ++label > 63)
				return 0;
			alpha |= isalpha((unsigned char)c) || c == '-';
		} else {
			return 0;
		}
		out[i] = c;
	}
	out[len] = '\0';
	return alpha && label && s[len - 1] != '-';
}

int netrules_entry(const char *in, int names_ok, char *out, size_t n, sbx_err *e)
{
	if (address(in, out, n))
		return 1;
	if (!strncmp(in, "*.", 2) || !strcmp(in, "*"))
		return sbx_error(e, "'%s': wildcard domains are not supported by sbx, which enforces rules by "
				 "address and a wildcard has none; list each host name (e.g. api.example.com)", in);
	if (host_name(in, out, n)) {
		if (names_ok)
			return 2;
		return sbx_error(e, "'%s': domain names are not supported for deny rules; give an IP address "
				 "or a CIDR (e.g. 8.8.8.8 or 10.0.0.0/8)", in);
	}
	if (strchr(in, '/') || strspn(in, "0123456789.:abcdefABCDEF") == strlen(in))
		return sbx_error(e, "'%s' is not a valid IP address or CIDR (e.g. 8.8.8.8, 10.0.0.0/8 or 2001:db8::/32)",
				 in);
	return sbx_error(e, "'%s' is neither an IP address, a CIDR (e.g. 10.0.0.0/8) nor a domain name", in);
}

static int parse_list(json_t *j, const char *field, int names_ok, char ***out, sbx_err *e)
{
	size_t n = 0;
	*out = sbx_strv_dup(NULL);
	if (!j || json_is_null(j))
		return 0;
	if (!json_is_array(j))
		return sbx_error(e, "\"%s\" must be a list of IP addresses, CIDRs%s", field,
				 names_ok ? " or domain names" : "");
	if (json_array_size(j) > NETRULES_MAX)
		return sbx_error(e, "\"%s\" has %zu entries; at most %d are allowed", field, json_array_size(j),
				 NETRULES_MAX);
	size_t i;
	json_t *v;
	json_array_foreach(j, i, v) {
		char norm[256];
		sbx_err ee;
		if (!json_is_string(v))
			return sbx_error(e, "%s[%zu] must be a string (an IP address, a CIDR%s)", field, i,
					 names_ok ? " or a domain name" : "");
		if (netrules_entry(json_string_value(v), names_ok, norm, sizeof norm, &ee) < 0)
			return sbx_error(e, "%s[%zu]: %s", field, i, ee.msg);
		int dup = 0;
		for (size_t k = 0; k < n && !dup; k++)
			dup = !strcmp((*out)[k], norm);
		if (!dup)
			sbx_strv_push(out, &n, xstrdup(norm));
	}
	return 0;
}

int netrules_parse(json_t *internet, json_t *allow, json_t *deny, netrules *out, sbx_err *e)
{
	memset(out, 0, sizeof *out);
	out->internet = 1;
	if (internet && !json_is_null(internet)) {
		if (!json_is_boolean(internet)) {
			netrules_free(out);
			return sbx_error(e, "\"allow_internet_access\" must be true or false");
		}
		out->internet = json_is_true(internet);
	}
	if (parse_list(allow, "allowOut", 1, &out->allow, e) < 0 ||
	    parse_list(deny, "denyOut", 0, &out->deny, e) < 0) {
		netrules_free(out);
		return -1;
	}
	return 0;
}

void netrules_free(netrules *nr)
{
	sbx_strv_free(nr->allow);
	sbx_strv_free(nr->deny);
	nr->allow = nr->deny = NULL;
}

int netrules_has_names(const netrules *nr)
{
	char buf[256];
	for (size_t i = 0; nr->allow && nr->allow[i]; i++)
		if (!address(nr->allow[i], buf, sizeof buf))
			return 1;
	return 0;
}

static json_t *str_array(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *netrules_json(const netrules *nr)
{
	json_t *j = json_object();
	if (nr->allow && nr->allow[0])
		json_object_set_new(j, "allowOut", str_array(nr->allow));
	if (nr->deny && nr->deny[0])
		json_object_set_new(j, "denyOut", str_array(nr->deny));
	return j;
}

/* --- resolving ---------------------------------------------------------------- */

static void push_unique(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	sbx_strv_push(v, n, xstrdup(s));
}

/* Addresses the hosts file gives name; 1 when it names it at all. */
static int from_hosts(const char *file, const char *name, char ***v, size_t *n)
{
	FILE *f = file && *file ? fopen(file, "re") : NULL;
	if (!f)
		return 0;
	char line[1024];
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		char *hash = strchr(line, '#'), *save = NULL;
		if (hash)
			*hash = '\0';
		char *addr = strtok_r(line, " \t\r\n", &save), norm[256];
		if (!addr || !address(addr, norm, sizeof norm) || strchr(norm, '/'))
			continue;
		for (char *w = strtok_r(NULL, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
			char low[256];
			if (host_name(w, low, sizeof low) && !strcmp(low, name)) {
				push_unique(v, n, norm);
				found = 1;
			}
		}
	}
	fclose(f);
	return found;
}

static int from_dns(const char *name, char ***v, size_t *n)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return 0;
	int found = 0;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		char txt[INET6_ADDRSTRLEN];
		const void *p = a->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
			      : a->ai_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr
							 : NULL;
		if (p && inet_ntop(a->ai_family, p, txt, sizeof txt)) {
			push_unique(v, n, txt);
			found = 1;
		}
	}
	freeaddrinfo(res);
	return found;
}

void netrules_resolve(const netrules *nr, const char *hosts_file, char ***allow, char ***deny,
		      char **unresolved)
{
	size_t na = 0, nd = 0;
	*allow = sbx_strv_dup(NULL);
	*deny = sbx_strv_dup(NULL);
	if (unresolved)
		*unresolved = NULL;
	for (size_t i = 0; nr->allow && nr->allow[i]; i++) {
		char buf[256];
		const char *s = nr->allow[i];
		if (address(s, buf, sizeof buf)) {
			push_unique(allow, &na, buf);
		} else if (!from_hosts(hosts_file, s, allow, &na) && !from_dns(s, allow, &na) && unresolved) {
			char *old = *unresolved;
			*unresolved = old ? xasprintf("%s, %s", old, s) : xstrdup(s);
			free(old);
		}
	}
	for (size_t i = 0; nr->deny && nr->deny[i]; i++)
		push_unique(deny, &nd, nr->deny[i]);
}
