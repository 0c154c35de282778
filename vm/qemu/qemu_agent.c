/* qemu_agent: see qemu_agent.h. */
#include "qemu_agent.h"
#include "../../src/util/xalloc.h"
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX (1u << 20)

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	sbx_buf *b = ud;
	if (b->len + sz * n > BODY_MAX)
		return 0;
	buf_append(b, p, sz * n);
	return sz * n;
}

int qagent_call(const char *addr, const char *method, const char *path, const char *token, const char *body,
		long timeout_ms, long *status, sbx_buf *out, sbx_err *e)
{
	if (strncmp(addr, "tcp:", 4))
		return sbx_error(e, "agent address %s is not tcp:HOST:PORT", addr);
	CURL *c = curl_easy_init();
	if (!c)
		return sbx_error(e, "libcurl could not start");
	char *url = xasprintf("http://%s%s", addr + 4, path);
	char *tok = token ? xasprintf("X-Access-Token: %s", token) : NULL;
	struct curl_slist *h = NULL;
	if (tok)
		h = curl_slist_append(h, tok);
	if (body)
		h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 2000 ? timeout_ms : 2000L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	CURLcode rc = curl_easy_perform(c);
	int ret = 0;
	if (rc != CURLE_OK)
		ret = sbx_error(e, "%s %s: %s", method, url, curl_easy_strerror(rc));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(url);
	free(tok);
	return ret;
}
