/*
 * kernel_wire: Jupyter messaging protocol v5.3 on the wire (multipart ZeroMQ
 * messages), as a client of ipykernel needs it.
 *
 *   [topic/identity frames] "<IDS|MSG>" hex-hmac header parent metadata content [buffers]
 *
 * The signature is hex HMAC-SHA256 keyed with the connection file's key
 * string (its bytes as written, not hex-decoded), over the exact bytes of the
 * four JSON frames.  An empty key means "unsigned" (empty signature frame).
 * The kernel drops badly signed messages silently, so every message we send
 * is signed here and nowhere else.
 */
#ifndef SBX_KERNEL_WIRE_H
#define SBX_KERNEL_WIRE_H
#include <jansson.h>
#include <stddef.h>
#include "../util/err.h"

#define JWIRE_DELIM "<IDS|MSG>"
#define JWIRE_VERSION "5.3"

typedef struct jframe {
	const void *data;
	size_t len;
} jframe;

/* Who we are on the wire: one per kernel connection. */
typedef struct jwire_ident {
	const char *key;       /* HMAC key ("" = unsigned) */
	const char *session;   /* our session uuid */
	const char *username;  /* header.username */
} jwire_ident;

/* A received message.  Borrowed strings point into the owned JSON. */
typedef struct jmsg {
	json_t *header, *parent, *metadata, *content;
	const char *msg_type;   /* header.msg_type ("" if absent) */
	const char *msg_id;     /* header.msg_id ("" if absent) */
	const char *parent_id;  /* parent_header.msg_id ("" if none) */
	const char *date;       /* header.date (NULL if absent) */
	size_t nbuffers;        /* raw buffers after content (unused by us) */
} jmsg;

void jmsg_free(jmsg *m);

/* out = lowercase hex HMAC-SHA256(key, parts[0..3] concatenated), 64 chars + NUL. */
int jwire_sign(const char *key, const jframe parts[4], char out[65], sbx_err *e);

/* A message ready to send: the six frames from the delimiter on. */
typedef struct jwire_out {
	char msg_id[37];
	char sig[65];
	char *header, *parent, *metadata, *content;   /* owned JSON text */
} jwire_out;

/* Builds header (fresh uuid4 msg_id, date now, version 5.3), serialises
 * parent (NULL → {}), metadata (NULL → {}) and content, and signs them. */
int jwire_build(const jwire_ident *id, const char *msg_type, const json_t *parent,
		const json_t *metadata, const json_t *content, jwire_out *out, sbx_err *e);
void jwire_out_free(jwire_out *o);
/* The six frames of o (delimiter, sig, header, parent, metadata, content). */
void jwire_out_frames(const jwire_out *o, jframe f[6]);

/* Parses frames of one received multipart message: finds the delimiter,
 * verifies the signature (constant time) and parses the four dicts. */
int jwire_parse(const jframe *frames, size_t n, const char *key, jmsg *out, sbx_err *e);

/* Builds and sends one message on a ZeroMQ socket without blocking.
 * msg_id (may be NULL) receives the new message's id. */
int jwire_send(void *sock, const jwire_ident *id, const char *msg_type,
	       const json_t *content, char msg_id[37], sbx_err *e);

/* Receives one whole message without blocking.  Returns 1 with *out filled,
 * 0 when nothing is waiting, -1 when a message arrived but was invalid (it
 * is consumed and dropped; e says why; go on reading), -2 when the socket
 * itself failed (stop reading it). */
int jwire_recv(void *sock, const char *key, jmsg *out, sbx_err *e);

#endif
