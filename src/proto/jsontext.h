/*
 * jsontext: JSON made from bytes someone else chose — paths, header values,
 * user names, file names, messages quoting them.  jansson refuses strings
 * that are not UTF-8 (it returns NULL, and a NULL body crashed the agent);
 * these never fail: bytes that are not UTF-8 become U+FFFD, NULL becomes "".
 *
 * Every JSON error body of sbx-agent and sbxd is built with these, so no request,
 * however malformed, can turn an error answer into a NULL.
 */
#ifndef SBX_JSONTEXT_H
#define SBX_JSONTEXT_H
#include <jansson.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (n bytes left: 1-4), or 0 when
 * it is not one (overlong, a surrogate, past U+10FFFF, cut short). */
size_t utf8_valid_seq(const unsigned char *s, size_t n);
/* A JSON string for s (a new reference, never NULL). */
json_t *json_text(const char *s);
/* obj[key] = value with key made valid UTF-8 the same way; steals value. */
void json_text_set(json_t *obj, const char *key, json_t *value);

/* Heap strings, never NULL (free them): */
/* {"code":status,"message":msg}: envd's REST errors and E2B's control plane. */
char *json_error_rest(int status, const char *msg);
/* {"code":"<connect code>","message":msg}: a Connect unary error. */
char *json_error_connect(const char *code, const char *msg);

#endif
