/*
 * http client on libcurl's multi-socket API: curl tells us which sockets to
 * watch and when to wake it; our loop does the waiting.
 */
#include "client.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/xalloc.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UPLOAD_BUFFER (256 * 1024)

struct hdr {
	char *name, *value;
};

struct http_call {
	http_client *cl;
	http_call *prev, *next;
	CURL *easy;
	struct curl_slist *req_headers;
	http_call_opts o;
	char *body;
	sbx_buf send;                /* request body queued; sent from send_off on */
	size_t send_off;
	int send_ended, send_paused, recv_paused;
	int send_above;              /* pending went over o.send_low: tell on_send_low */
	int status;
	struct hdr *hdrs;
	size_t nhdrs;
	int headers_fired;
	char errbuf[CURL_ERROR_SIZE];
};

struct http_client {
	sbx_loop *loop;
	CURLM *multi;
	int64_t timer;
	http_call *calls;
};

static void check_done(http_client *cl);

static void on_fd(sbx_loop *l, int fd, int events, void *ud)
{
	(void)l;
	http_client *cl = ud;
	int ev = (events & LOOP_READ ? CURL_CSELECT_IN : 0) | (events & LOOP_WRITE ? CURL_CSELECT_OUT : 0) |
		 (events & LOOP_ERROR ? CURL_CSELECT_ERR : 0);
	int running;
	curl_multi_socket_action(cl->multi, fd, ev, &running);
	check_done(cl);
}

static int socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	(void)e, (void)socketp;
	http_client *cl = userp;
	if (what == CURL_POLL_REMOVE) {
		loop_del_fd(cl->loop, s);
		return 0;
	}
	int mask = (what & CURL_POLL_IN ? LOOP_READ : 0) | (what & CURL_POLL_OUT ? LOOP_WRITE : 0);
	loop_add_fd(cl->loop, s, mask, on_fd, cl);
	return 0;
}

static int64_t on_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l, (void)id;
	http_client *cl = ud;
	int running;
	cl->timer = 0;
	curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(cl);
	return -1;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	(void)m;
	http_client *cl = userp;
	if (cl->timer) {
		loop_del_timer(cl->loop, cl->timer);
		cl->timer = 0;
	}
	if (timeout_ms >= 0)
		cl->timer = loop_add_timer(cl->loop, timeout_ms, on_timer, cl);
	return 0;
}

http_client *http_client_new(sbx_loop *loop)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);   /* reference-counted by libcurl */
	http_client *cl = xcalloc(1, sizeof *cl);
	cl->loop = loop;
	cl->multi = curl_multi_init();
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	return cl;
}

static void call_free(http_call *c)
{
	http_client *cl = c->cl;
	if (c->prev)
		c->prev->next = c->next;
	else
		cl->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	curl_multi_remove_handle(cl->multi, c->easy);
	curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->req_headers);
	for (size_t i = 0; i < c->nhdrs; i++) {
		free(c->hdrs[i].name);
		free(c->hdrs[i].value);
	}
	free(c->hdrs);
	free(c->body);
	buf_free(&c->send);
	free(c);
}

static void finish(http_call *c, int ok, const char *err)
{
	if (ok && !c->headers_fired) {
		c->headers_fired = 1;
		if (c->o.on_headers)
			c->o.on_headers(c, c->status, c->o.ud);
	}
	if (c->o.on_done)
		c->o.on_done(c, ok, err, c->o.ud);
	call_free(c);
}

static void check_done(http_client *cl)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(cl->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		http_call *c = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		CURLcode rc = m->data.result;
		char err[CURL_ERROR_SIZE + 64];
		snprintf(err, sizeof err, "%s", c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		finish(c, rc == CURLE_OK, rc == CURLE_OK ? NULL : err);
	}
}

void http_client_free(http_client *cl)
{
	if (!cl)
		return;
	while (cl->calls)
		finish(cl->calls, 0, "cancelled");
	if (cl->timer)
		loop_del_timer(cl->loop, cl->timer);
	curl_multi_cleanup(cl->multi);
	free(cl);
	curl_global_cleanup();
}

static size_t header_cb(char *data, size_t size, size_t n, void *ud)
{
	http_call *c = ud;
	size_t len = size * n;
	if (len >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* A new response (after 1xx): forget earlier headers. */
		for (size_t i = 0; i < c->nhdrs; i++) {
			free(c->hdrs[i].name);
			free(c->hdrs[i].value);
		}
		c->nhdrs = 0;
		const char *sp = memchr(data, ' ', len);
		c->status = sp ? atoi(sp + 1) : 0;
		return len;
	}
	if (len <= 2 && (data[0] == '\r' || data[0] == '\n')) {
		if (c->status >= 200 && !c->headers_fired) {
			c->headers_fired = 1;
			if (c->o.on_headers)
				c->o.on_headers(c, c->status, c->o.ud);
		}
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	const char *v = colon + 1, *end = data + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	c->hdrs = xrealloc(c->hdrs, (c->nhdrs + 1) * sizeof *c->hdrs);
	c->hdrs[c->nhdrs].name = xstrndup(data, (size_t)(colon - data));
	c->hdrs[c->nhdrs].value = xstrndup(v, (size_t)(end - v));
	c->nhdrs++;
	return len;
}

static size_t write_cb(char *data, size_t size, size_t n, void *ud)
{
	http_call *c = ud;
	if (c->o.on_data)
		c->o.on_data(c, data, size * n, c->o.ud);
	return size * n;
}

/* Drops k sent bytes by moving the offset: consuming from the front of a
 * large queue piece by piece must not move the rest each time.  The queue
 * starts over when empty and moves down only when a write needs room. */
static void send_consume(http_call *c, size_t k)
{
	c->send_off += k;
	size_t left = c->send.len - c->send_off;
	if (!left) {
		buf_reset(&c->send);
		c->send_off = 0;
	}
	if (c->send_above && left <= c->o.send_low) {
		c->send_above = 0;
		c->o.on_send_low(c, c->o.ud);   /* may write more: the queue is consistent */
	}
}

static size_t read_cb(char *out, size_t size, size_t n, void *ud)
{
	http_call *c = ud;
	size_t max = size * n, queued = c->send.len - c->send_off;
	if (queued) {
		size_t k = queued < max ? queued : max;
		memcpy(out, c->send.data + c->send_off, k);
		send_consume(c, k);
		return k;
	}
	if (c->send_ended)
		return 0;
	c->send_paused = 1;
	return CURL_READFUNC_PAUSE;
}

static void apply_pause(http_call *c)
{
	curl_easy_pause(c->easy, (c->recv_paused ? CURLPAUSE_RECV : 0) | (c->send_paused ? CURLPAUSE_SEND : 0));
}

http_call *http_call_start(http_client *cl, const http_call_opts *o)
{
	http_call *c = xcalloc(1, sizeof *c);
	c->cl = cl;
	c->o = *o;
	c->easy = curl_easy_init();
	CURL *e = c->easy;
	curl_easy_setopt(e, CURLOPT_URL, o->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	/* Bodies are relayed as they are; never decompress or rewrite them. */
	curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_TRANSFER_DECODING, 1L);
	if (o->unix_socket)
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, o->unix_socket);
	if (o->timeout_ms)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	if (o->connect_timeout_ms)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	for (const char *const *h = o->headers; h && *h; h++)
		c->req_headers = curl_slist_append(c->req_headers, *h);
	c->req_headers = curl_slist_append(c->req_headers, "Expect:");
	const char *method = o->method;
	if (o->stream_body) {
		if (o->stream_size > 0)
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->stream_size);
		else
			c->req_headers = curl_slist_append(c->req_headers, "Transfer-Encoding: chunked");
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(e, CURLOPT_READDATA, c);
		/* bulk bodies (uploads through the proxy) go in large pieces */
		curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, (long)UPLOAD_BUFFER);
	} else if (o->body) {
		c->body = xmalloc(o->body_len ? o->body_len : 1);
		memcpy(c->body, o->body, o->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
	}
	if (method && strcasecmp(method, "GET") != 0 &&
	    !(strcasecmp(method, "POST") == 0 && (o->body || o->stream_body))) {
		if (!strcasecmp(method, "HEAD"))
			curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		else
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->req_headers);
	c->next = cl->calls;
	if (cl->calls)
		cl->calls->prev = c;
	cl->calls = c;
	curl_multi_add_handle(cl->multi, e);
	return c;
}

const char *http_call_header(http_call *c, const char *name)
{
	for (size_t i = 0; i < c->nhdrs; i++)
		if (!strcasecmp(c->hdrs[i].name, name))
			return c->hdrs[i].value;
	return NULL;
}

void http_call_foreach_header(http_call *c, http_kv_cb cb, void *ud)
{
	for (size_t i = 0; i < c->nhdrs; i++)
		cb(c->hdrs[i].name, c->hdrs[i].value, ud);
}

int http_call_status(http_call *c)
{
	return c->status;
}

void http_call_write(http_call *c, const void *data, size_t len)
{
	if (c->send_ended || !len)
		return;
	if (c->send_off && c->send.len + len + 1 > c->send.cap) {   /* buf_grow would realloc */
		buf_consume(&c->send, c->send_off);
		c->send_off = 0;
	}
	buf_append(&c->send, data, len);
	if (c->o.on_send_low && http_call_pending(c) > c->o.send_low)
		c->send_above = 1;
	if (c->send_paused) {
		c->send_paused = 0;
		apply_pause(c);
	}
}

void http_call_end_body(http_call *c)
{
	c->send_ended = 1;
	if (c->send_paused) {
		c->send_paused = 0;
		apply_pause(c);
	}
}

size_t http_call_pending(http_call *c)
{
	return c->send.len - c->send_off;
}

void http_call_pause_recv(http_call *c, int paused)
{
	if (c->recv_paused == !!paused)
		return;
	c->recv_paused = !!paused;
	apply_pause(c);
}

void http_call_cancel(http_call *c)
{
	finish(c, 0, "cancelled");
}
