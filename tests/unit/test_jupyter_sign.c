/* kernel_wire: HMAC signatures (vectors from Python's hmac over the four
 * frames), build → parse round trips, rejection of bad messages, and a real
 * ZeroMQ round trip (DEALER → ROUTER adds an identity frame). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <zmq.h>
#include "../../src/agent/kernel_wire.h"

static jframe fr(const char *s)
{
	return (jframe){ s, strlen(s) };
}

/* python3: hmac.new(key, digestmod=sha256), update() with each frame */
static void test_known_vectors(void **state)
{
	(void)state;
	char sig[65];
	jframe p1[4] = { fr("{\"msg_id\":\"1\",\"msg_type\":\"execute_request\"}"), fr("{}"), fr("{}"),
			 fr("{\"code\":\"1+1\"}") };
	assert_int_equal(jwire_sign("a0436f6c-1916-498b-8eb9-e81ab9368e84", p1, sig, NULL), 0);
	assert_string_equal(sig, "6079cf4714507d3fc645a0e9b5ea36d270738502ead09e0f753624a376aff7ce");
	/* UTF-8 key and frames, an empty frame */
	jframe p2[4] = { fr("{\"a\":\"\xc3\xa9\"}"), fr("{\"msg_id\":\"x\"}"), fr("{}"), fr("") };
	assert_int_equal(jwire_sign("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87-\xc3\xbc", p2, sig, NULL), 0);
	assert_string_equal(sig, "568a909a1b46f1a302fe8d42f3fd09ce2c1c43b69ef1967d574f8e9697d5351c");
	/* empty key: unsigned */
	assert_int_equal(jwire_sign("", p1, sig, NULL), 0);
	assert_string_equal(sig, "");
}

static const jwire_ident ID = { "secret-key", "11111111-2222-4333-8444-555555555555", "sbx-agent" };

static void test_build_parse_round_trip(void **state)
{
	(void)state;
	json_t *content = json_pack("{s:s,s:b}", "code", "print('h\xc3\xa9')", "silent", 0);
	json_t *parent = json_pack("{s:s}", "msg_id", "parent-1");
	jwire_out o;
	sbx_err e;
	assert_int_equal(jwire_build(&ID, "execute_request", parent, NULL, content, &o, &e), 0);
	assert_int_equal(strlen(o.msg_id), 36);
	assert_int_equal(strlen(o.sig), 64);
	jframe six[6], f[8];
	jwire_out_frames(&o, six);
	f[0] = fr("kernel.abc.status");   /* a topic frame before the delimiter */
	memcpy(&f[1], six, sizeof six);
	f[7] = fr("raw-buffer");
	jmsg m;
	assert_int_equal(jwire_parse(f, 8, ID.key, &m, &e), 0);
	assert_string_equal(m.msg_type, "execute_request");
	assert_string_equal(m.msg_id, o.msg_id);
	assert_string_equal(m.parent_id, "parent-1");
	assert_int_equal(m.nbuffers, 1);
	assert_true(json_equal(m.content, content));
	assert_string_equal(json_string_value(json_object_get(m.header, "version")), "5.3");
	assert_string_equal(json_string_value(json_object_get(m.header, "session")), ID.session);
	assert_string_equal(json_string_value(json_object_get(m.header, "username")), "sbx-agent");
	assert_non_null(m.date);
	assert_int_equal(m.date[strlen(m.date) - 1], 'Z');
	assert_int_equal(json_object_size(m.metadata), 0);
	jmsg_free(&m);

	/* two builds never share a msg_id (the kernel rejects replays) */
	jwire_out o2;
	assert_int_equal(jwire_build(&ID, "execute_request", parent, NULL, content, &o2, &e), 0);
	assert_string_not_equal(o.msg_id, o2.msg_id);
	assert_string_not_equal(o.sig, o2.sig);
	jwire_out_free(&o2);
	jwire_out_free(&o);
	json_decref(content);
	json_decref(parent);
}

static void test_bad_messages_rejected(void **state)
{
	(void)state;
	json_t *content = json_pack("{s:s}", "code", "1+1");
	jwire_out o;
	sbx_err e;
	jmsg m;
	assert_int_equal(jwire_build(&ID, "execute_request", NULL, NULL, content, &o, &e), 0);
	jframe f[6];
	jwire_out_frames(&o, f);

	/* wrong key */
	assert_int_equal(jwire_parse(f, 6, "other-key", &m, &e), -1);
	assert_non_null(strstr(e.msg, "signature"));
	/* tampered content */
	char *tampered = strdup(o.content);
	tampered[2] ^= 1;
	jframe t[6];
	memcpy(t, f, sizeof t);
	t[5] = fr(tampered);
	assert_int_equal(jwire_parse(t, 6, ID.key, &m, &e), -1);
	/* tampered / truncated / empty signature */
	char sig[65];
	memcpy(sig, o.sig, 65);
	sig[0] = sig[0] == 'a' ? 'b' : 'a';
	memcpy(t, f, sizeof t);
	t[1] = fr(sig);
	assert_int_equal(jwire_parse(t, 6, ID.key, &m, &e), -1);
	t[1] = (jframe){ o.sig, 63 };
	assert_int_equal(jwire_parse(t, 6, ID.key, &m, &e), -1);
	t[1] = fr("");
	assert_int_equal(jwire_parse(t, 6, ID.key, &m, &e), -1);
	/* ...but with an empty key no signature is checked */
	jwire_ident unsigned_id = ID;
	unsigned_id.key = "";
	jwire_out u;
	assert_int_equal(jwire_build(&unsigned_id, "status", NULL, NULL, content, &u, &e), 0);
	assert_string_equal(u.sig, "");
	jframe uf[6];
	jwire_out_frames(&u, uf);
	assert_int_equal(jwire_parse(uf, 6, "", &m, &e), 0);
	jmsg_free(&m);
	jwire_out_free(&u);
	/* no delimiter, too few frames */
	assert_int_equal(jwire_parse(f + 1, 5, ID.key, &m, &e), -1);
	assert_non_null(strstr(e.msg, "delimiter"));
	assert_int_equal(jwire_parse(f, 5, ID.key, &m, &e), -1);
	/* a signed frame that is not a JSON object */
	jframe bad[4] = { fr(o.header), fr("[]"), fr("{}"), fr("{}") };
	char bsig[65];
	assert_int_equal(jwire_sign(ID.key, bad, bsig, &e), 0);
	jframe b6[6] = { fr(JWIRE_DELIM), fr(bsig), bad[0], bad[1], bad[2], bad[3] };
	assert_int_equal(jwire_parse(b6, 6, ID.key, &m, &e), -1);
	assert_non_null(strstr(e.msg, "parent_header"));
	free(tampered);
	jwire_out_free(&o);
	json_decref(content);
}

static void test_zmq_round_trip(void **state)
{
	(void)state;
	void *ctx = zmq_ctx_new();
	void *router = zmq_socket(ctx, ZMQ_ROUTER), *dealer = zmq_socket(ctx, ZMQ_DEALER);
	assert_int_equal(zmq_bind(router, "inproc://wire"), 0);
	assert_int_equal(zmq_connect(dealer, "inproc://wire"), 0);
	jmsg m;
	sbx_err e;
	assert_int_equal(jwire_recv(router, ID.key, &m, &e), 0);   /* nothing yet */
	json_t *c = json_pack("{s:s}", "code", "x = 1");
	char id[37];
	assert_int_equal(jwire_send(dealer, &ID, "execute_request", c, id, &e), 0);
	zmq_pollitem_t pi = { router, 0, ZMQ_POLLIN, 0 };
	assert_int_equal(zmq_poll(&pi, 1, 2000), 1);
	assert_int_equal(jwire_recv(router, ID.key, &m, &e), 1);
	assert_string_equal(m.msg_id, id);
	assert_string_equal(m.msg_type, "execute_request");
	assert_true(json_equal(m.content, c));
	jmsg_free(&m);
	/* a message with a wrong key is consumed and reported */
	jwire_ident other = ID;
	other.key = "wrong";
	assert_int_equal(jwire_send(dealer, &other, "execute_request", c, NULL, &e), 0);
	assert_int_equal(zmq_poll(&pi, 1, 2000), 1);
	assert_int_equal(jwire_recv(router, ID.key, &m, &e), -1);
	assert_int_equal(jwire_recv(router, ID.key, &m, &e), 0);
	json_decref(c);
	zmq_close(router);
	zmq_close(dealer);
	zmq_ctx_term(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_build_parse_round_trip),
		cmocka_unit_test(test_bad_messages_rejected),
		cmocka_unit_test(test_zmq_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
