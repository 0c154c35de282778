/* url: percent-encoding (RFC 3986) both ways, for paths and queries. */
#ifndef SBX_URL_H
#define SBX_URL_H
#include <stddef.h>
#include "buf.h"

/* 0-15 for a hex digit, else -1. */
int url_hexval(int c);
/* Decodes %XX in place (a malformed % stays as it is); plus: '+' is a
 * space too (form encoding, URLSearchParams).  Returns the new length. */
size_t url_decode(char *s, int plus);
/* Appends s with every byte outside the unreserved set (A-Z a-z 0-9 - . _ ~)
 * and keep (e.g. "/" for a path) as %XX. */
void url_encode(sbx_buf *out, const char *s, const char *keep);

#endif
