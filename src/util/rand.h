/* rand: identifiers and secrets from getrandom(2). */
#ifndef SBX_RAND_H
#define SBX_RAND_H
#include <stddef.h>

void rand_bytes(void *buf, size_t n);
/* uuid4 text form, out >= 37 bytes. */
void rand_uuid(char *out);
/* n random lowercase hex characters + NUL into out (out >= n + 1). */
void rand_hex(char *out, size_t n);

#endif
