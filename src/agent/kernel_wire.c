#include "kernel_wire.h"
#include "../util/rand.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

void jmsg_free(jmsg *m)
{
	if (!m)
		return;
	json_decref(m->header);
	json_decref(m->parent);
	json_decref(m->metadata);
	json_decref(m->content);
	memset(m, 0, sizeof *m);
}

int jwire_sign(const char *key, const jframe parts[4], char out[65], sbx_err *e)
{
	static const char hex[] = "0123456789abcdef";
	size_t klen = strlen(key);
	out[0] = '\0';
	if (!klen)
		return 0;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return sbx_error(e, "HMAC is not available in this OpenSSL build (EVP_MAC_fetch failed)");
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	int ok = ctx && EVP_MAC_init(ctx, (const unsigned char *)key, klen, params);
	for (int i = 0; ok && i < 4; i++)
		ok = EVP_MAC_update(ctx, parts[i].data, parts[i].len);
	ok = ok && EVP_MAC_final(ctx, md, &mdlen, sizeof md) && mdlen == 32;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	if (!ok)
		return sbx_error(e, "computing the HMAC-SHA256 message signature failed");
	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

static char *dump_or_empty(const json_t *j)
{
	if (!j)
		return xstrdup("{}");
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		abort();   /* jansson fails only on OOM for valid values */
	return s;
}

int jwire_build(const jwire_ident *id, const char *msg_type, const json_t *parent,
		const json_t *metadata, const json_t *content, jwire_out *out, sbx_err *e)
{
	char date[40];
	memset(out, 0, sizeof *out);
	rand_uuid(out->msg_id);
	rfc3339_now(date, sizeof date);
	json_t *h = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "msg_id", out->msg_id,
			      "session", id->session, "username", id->username,
			      "date", date, "msg_type", msg_type, "version", JWIRE_VERSION);
	if (!h)
		return sbx_error(e, "cannot build a Jupyter header for %s (invalid UTF-8 in session or username?)", msg_type);
	out->header = dump_or_empty(h);
	json_decref(h);
	out->parent = dump_or_empty(parent);
	out->metadata = dump_or_empty(metadata);
	out->content = dump_or_empty(content);
	jframe parts[4] = {
		{ out->header, strlen(out->header) },
		{ out->parent, strlen(out->parent) },
		{ out->metadata, strlen(out->metadata) },
		{ out->content, strlen(out->content) },
	};
	if (jwire_sign(id->key, parts, out->sig, e) < 0) {
		jwire_out_free(out);
		return -1;
	}
	return 0;
}

void jwire_out_free(jwire_out *o)
{
	free(o->header);
	free(o->parent);
	free(o->metadata);
	free(o->content);
	o->header = o->parent = o->metadata = o->content = NULL;
}

void jwire_out_frames(const jwire_out *o, jframe f[6])
{
	f[0] = (jframe){ JWIRE_DELIM, strlen(JWIRE_DELIM) };
	f[1] = (jframe){ o->sig, strlen(o->sig) };
	f[2] = (jframe){ o->header, strlen(o->header) };
	f[3] = (jframe){ o->parent, strlen(o->parent) };
	f[4] = (jframe){ o->metadata, strlen(o->metadata) };
	f[5] = (jframe){ o->content, strlen(o->content) };
}

static json_t *parse_dict(const jframe *f, const char *what, sbx_err *e)
{
	json_error_t je;
	json_t *j = json_loadb(f->data, f->len, 0, &je);
	if (!j) {
		sbx_error(e, "message %s is not valid JSON: %s", what, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		sbx_error(e, "message %s is not a JSON object", what);
		return NULL;
	}
	return j;
}

static const char *str_or(json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : dflt;
}

int jwire_parse(const jframe *frames, size_t n, const char *key, jmsg *out, sbx_err *e)
{
	size_t dl = strlen(JWIRE_DELIM), i;
	memset(out, 0, sizeof *out);
	for (i = 0; i < n; i++)
		if (frames[i].len == dl && memcmp(frames[i].data, JWIRE_DELIM, dl) == 0)
			break;
	if (i == n)
		return sbx_error(e, "message has no <IDS|MSG> delimiter frame");
	if (n - i < 6)
		return sbx_error(e, "message has %zu frames after the delimiter, need 5", n - i - 1);
	const jframe *sig = &frames[i + 1], *parts = &frames[i + 2];
	if (*key) {
		char want[65];
		if (jwire_sign(key, parts, want, e) < 0)
			return -1;
		/* Constant time: a timing oracle on the signature is a forgery aid. */
		if (sig->len != 64 || CRYPTO_memcmp(sig->data, want, 64) != 0)
			return sbx_error(e, "message signature does not match (wrong key or tampered message)");
	}
	static const char *names[4] = { "header", "parent_header", "metadata", "content" };
	json_t *d[4] = { 0 };
	for (int k = 0; k < 4; k++) {
		d[k] = parse_dict(&parts[k], names[k], e);
		if (!d[k]) {
			for (int m = 0; m < k; m++)
				json_decref(d[m]);
			return -1;
		}
	}
	out->header = d[0];
	out->parent = d[1];
	out->metadata = d[2];
	out->content = d[3];
	out->msg_type = str_or(out->header, "msg_type", "");
	out->msg_id = str_or(out->header, "msg_id", "");
	out->parent_id = str_or(out->parent, "msg_id", "");
	out->date = json_string_value(json_object_get(out->header, "date"));
	out->nbuffers = n - i - 6;
	return 0;
}

int jwire_send(void *sock, const jwire_ident *id, const char *msg_type,
	       const json_t *content, char msg_id[37], sbx_err *e)
{
	jwire_out o;
	if (jwire_build(id, msg_type, NULL, NULL, content, &o, e) < 0)
		return -1;
	jframe f[6];
	jwire_out_frames(&o, f);
	int rc = 0;
	for (int i = 0; i < 6; i++) {
		if (zmq_send(sock, f[i].data, f[i].len, ZMQ_DONTWAIT | (i < 5 ? ZMQ_SNDMORE : 0)) < 0) {
			/* Only the first frame can fail with EAGAIN; the rest of a
			 * multipart message is queued atomically with it. */
			rc = sbx_error(e, "sending %s to the kernel failed: %s", msg_type, zmq_strerror(errno));
			break;
		}
	}
	if (rc == 0 && msg_id)
		memcpy(msg_id, o.msg_id, 37);
	jwire_out_free(&o);
	return rc;
}

int jwire_recv(void *sock, const char *key, jmsg *out, sbx_err *e)
{
	zmq_msg_t parts[32];
	jframe frames[32];
	size_t n = 0, dropped = 0;
	int more = 1, rc = 0;
	while (more) {
		zmq_msg_t m;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
			int err = errno;
			zmq_msg_close(&m);
			if (n == 0 && err == EAGAIN)
				return 0;
			/* Parts of a multipart message arrive together, so a
			 * failure here means the socket is unusable. */
			rc = -2;
			sbx_error(e, "receiving from the kernel failed: %s", zmq_strerror(err));
			break;
		}
		more = zmq_msg_more(&m);
		if (n < 32) {
			parts[n] = m;
			n++;
		} else {
			zmq_msg_close(&m);   /* extra raw buffers: never needed */
			dropped++;
		}
	}
	if (rc == 0) {
		for (size_t i = 0; i < n; i++)
			frames[i] = (jframe){ zmq_msg_data(&parts[i]), zmq_msg_size(&parts[i]) };
		rc = jwire_parse(frames, n, key, out, e) < 0 ? -1 : 1;
		if (rc == 1)
			out->nbuffers += dropped;
	}
	for (size_t i = 0; i < n; i++)
		zmq_msg_close(&parts[i]);
	return rc;
}
