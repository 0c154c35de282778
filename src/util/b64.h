/* b64: base64 as protobuf JSON uses it (standard alphabet, padded on output;
 * standard or URL-safe, padded or not, accepted on input). */
#ifndef SBX_B64_H
#define SBX_B64_H
#include <stddef.h>

/* Returns a NUL-terminated heap string. */
char *b64_encode(const void *data, size_t len);
/* Decodes into a heap buffer (NUL-terminated for convenience); sets *outlen.
 * Returns NULL on invalid input. */
unsigned char *b64_decode(const char *s, size_t slen, size_t *outlen);

#endif
