#include "ch_api.h"
#include "../../src/util/timeutil.h"
#include "../../src/util/xalloc.h"
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Replies larger than this are not the API's (vm.info is a few KB). */
#define CH_REPLY_MAX (4u << 20)

void ch_api_init(ch_api *a, const char *sock, const char *log)
{
	memset(a, 0, sizeof *a);
	a->sock = xstrdup(sock);
	a->log = log ? xstrdup(log) : NULL;
}

void ch_api_free(ch_api *a)
{
	if (a->curl)
		curl_easy_cleanup(a->curl);
	free(a->sock);
	free(a->log);
	memset(a, 0, sizeof *a);
}

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
	sbx_buf *b = arg;
	if (b->len + sz * n > CH_REPLY_MAX)
		return 0;
	buf_append(b, p, sz * n);
	return sz * n;
}

int ch_api_call(ch_api *a, const char *method, const char *endpoint, const char *body, int timeout_ms,
		long *status, sbx_buf *resp, sbx_err *e)
{
	if (!a->curl && !(a->curl = curl_easy_init()))
		return sbx_error(e, "cannot start libcurl (out of memory?)");
	CURL *c = a->curl;
	curl_easy_reset(c);
	char url[256];
	snprintf(url, sizeof url, "http://localhost/api/v1/%s", endpoint);
	sbx_buf sink = SBX_BUF_INIT;
	sbx_buf *out = resp ? resp : &sink;
	buf_reset(out);
	/* micro_http: Content-Length on every PUT, no chunking, no Expect;
	 * ch-remote sends no Content-Type either. */
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Expect:");
	h = curl_slist_append(h, "Content-Type:");
	h = curl_slist_append(h, "Transfer-Encoding:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, a->sock);
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 2000 ? timeout_ms : 2000));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (!strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
	}
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	buf_free(&sink);
	if (rc != CURLE_OK)
		return sbx_error(e, "cloud-hypervisor's API socket %s did not answer %s %s: %s%s%s", a->sock,
				 method, endpoint, curl_easy_strerror(rc), a->log ? "; see " : "",
				 a->log ? a->log : "");
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

/* What to do about a refusal, by endpoint. */
static const char *advice(const char *endpoint)
{
	if (!strcmp(endpoint, "vm.create") || !strcmp(endpoint, "vm.boot"))
		return "check that the kernel, initramfs, disk and tap it names exist and that this "
		       "cloud-hypervisor is v50 or newer (docs/runtime-ch.md)";
	if (!strcmp(endpoint, "vm.restore"))
		return "the snapshot must come from this cloud-hypervisor version on this CPU and the "
		       "paths in its config.json must exist; delete the booted snapshot under "
		       "$SBX_CACHE_DIR/vm/ch/ to have it rebuilt";
	if (!strcmp(endpoint, "vm.snapshot"))
		return "the VM must be paused and the destination directory must exist and have room "
		       "for the guest's memory";
	return "the VMM is not in the state sbx expected; kill the sandbox and create it again";
}

void ch_api_refusal(sbx_err *e, const char *endpoint, long status, const char *body, size_t len,
		    const char *log)
{
	sbx_buf why = SBX_BUF_INIT;
	json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
	if (json_is_array(j) && json_array_size(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) {
			const char *s = json_string_value(v);
			if (!s || !*s)
				continue;
			buf_printf(&why, "%s%.300s", why.len ? "; " : "", s);
		}
	} else if (json_is_string(j)) {
		buf_printf(&why, "%.300s", json_string_value(j));
	} else if (len) {
		/* Not the documented shape: show it, printable and short. */
		for (size_t i = 0; i < len && why.len < 300; i++)
			buf_putc(&why, isprint((unsigned char)body[i]) ? body[i] : '?');
	}
	json_decref(j);
	if (!why.len)
		buf_puts(&why, "no reason given");
	sbx_error(e, "cloud-hypervisor refused %s: %s (HTTP %ld); %s%s%s", endpoint, buf_cstr(&why), status,
		  advice(endpoint), log ? "; its log: " : "", log ? log : "");
	buf_free(&why);
}

int ch_version_parse(const char *s, ch_version *v)
{
	memset(v, 0, sizeof *v);
	if (!s)
		return -1;
	snprintf(v->text, sizeof v->text, "%s", s);
	const char *p = s;
	while (*p && !isdigit((unsigned char)*p))
		p++;
	if (!*p)
		return -1;
	char *end;
	long ma = strtol(p, &end, 10), mi = 0;
	if (*end == '.')
		mi = strtol(end + 1, NULL, 10);
	if (ma <= 0 || ma > 100000)
		return -1;
	v->major = (int)ma;
	v->minor = (int)(mi < 0 ? 0 : mi);
	return 0;
}

int ch_api_ping(ch_api *a, ch_version *v, int timeout_ms, sbx_err *e)
{
	long st = 0;
	sbx_buf r = SBX_BUF_INIT;
	if (ch_api_call(a, "GET", "vmm.ping", NULL, timeout_ms, &st, &r, e) < 0) {
		buf_free(&r);
		return -1;
	}
	int rc = -1;
	if (st != 200) {
		ch_api_refusal(e, "vmm.ping", st, r.data, r.len, a->log);
	} else {
		json_t *j = json_loadb(r.data ? r.data : "", r.len, 0, NULL);
		const char *ver = json_string_value(json_object_get(j, "version"));
		if (ch_version_parse(ver, v) < 0)
			sbx_error(e, "cloud-hypervisor's vmm.ping gave no version (%.200s); sbx needs v50 or newer",
				  buf_cstr(&r));
		else
			rc = 0;
		json_decref(j);
	}
	buf_free(&r);
	return rc;
}

int ch_api_wait(ch_api *a, ch_version *v, int timeout_ms, sbx_err *e)
{
	int64_t end = now_ms() + timeout_ms;
	long delay = 5;
	for (;;) {
		if (access(a->sock, F_OK) == 0 && ch_api_ping(a, v, 2000, e) == 0)
			return 0;
		if (now_ms() >= end)
			break;
		struct timespec ts = { 0, delay * 1000000L };
		nanosleep(&ts, NULL);
		if (delay < 100)
			delay *= 2;
	}
	return sbx_error(e, "cloud-hypervisor did not answer on %s within %d s%s%s", a->sock, timeout_ms / 1000,
			 a->log ? "; see " : "", a->log ? a->log : "");
}

int ch_api_put(ch_api *a, const char *endpoint, json_t *body, int timeout_ms, sbx_err *e)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	long st = 0;
	sbx_buf r = SBX_BUF_INIT;
	int rc = ch_api_call(a, "PUT", endpoint, text, timeout_ms, &st, &r, e);
	free(text);
	if (rc == 0 && (st < 200 || st > 299)) {
		ch_api_refusal(e, endpoint, st, r.data, r.len, a->log);
		rc = -1;
	}
	buf_free(&r);
	return rc;
}

int ch_api_state(ch_api *a, char **state, sbx_err *e)
{
	long st = 0;
	sbx_buf r = SBX_BUF_INIT;
	*state = NULL;
	if (ch_api_call(a, "GET", "vm.info", NULL, 5000, &st, &r, e) < 0) {
		buf_free(&r);
		return -1;
	}
	if (st != 200) {
		ch_api_refusal(e, "vm.info", st, r.data, r.len, a->log);
		buf_free(&r);
		return -1;
	}
	json_t *j = json_loadb(r.data ? r.data : "", r.len, 0, NULL);
	const char *s = json_string_value(json_object_get(j, "state"));
	if (s)
		*state = xstrdup(s);
	else
		sbx_error(e, "cloud-hypervisor's vm.info has no state (%.200s)", buf_cstr(&r));
	json_decref(j);
	buf_free(&r);
	return s ? 0 : -1;
}

static char *file_url(const char *dir)
{
	return xasprintf("file://%s", dir);
}

int ch_api_snapshot(ch_api *a, const char *dir, int timeout_ms, sbx_err *e)
{
	char *url = file_url(dir);
	json_t *b = json_pack("{s:s}", "destination_url", url);
	free(url);
	int rc = ch_api_put(a, "vm.snapshot", b, timeout_ms, e);
	json_decref(b);
	return rc;
}

int ch_uffd_allowed(const char *dev, const char *sysctl)
{
	if (access(dev, R_OK | W_OK) == 0)
		return 1;
	FILE *f = fopen(sysctl, "r");
	int v = 0;
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v == 1;
}

json_t *ch_restore_body(const char *dir, const ch_version *v, int uffd)
{
	char *url = file_url(dir);
	json_t *b = json_pack("{s:s}", "source_url", url);
	free(url);
	/* Both fields appeared in v52; older VMMs reject unknown fields. */
	if (v->major >= 52) {
		json_object_set_new(b, "memory_restore_mode", json_string(uffd ? "OnDemand" : "Copy"));
		json_object_set_new(b, "resume", json_true());
	}
	return b;
}

int ch_api_restore(ch_api *a, const ch_version *v, const char *dir, int timeout_ms, sbx_err *e)
{
	int uffd = ch_uffd_allowed("/dev/userfaultfd", "/proc/sys/vm/unprivileged_userfaultfd");
	json_t *b = ch_restore_body(dir, v, uffd);
	int rc = ch_api_put(a, "vm.restore", b, timeout_ms, e);
	json_decref(b);
	if (rc == 0 && v->major < 52)
		rc = ch_api_put(a, "vm.resume", NULL, 10000, e);
	return rc;
}
