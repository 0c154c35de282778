/*
 * accept_enc: which Content-Encoding an answer may use, from the request's
 * Accept-Encoding (RFC 9110 12.5.3), for servers that offer identity and
 * gzip (envd's /files download).  The header is the client's: anything
 * malformed in an entry makes that entry count for nothing.
 */
#ifndef SBX_ACCEPT_ENC_H
#define SBX_ACCEPT_ENC_H

enum { ACCEPT_NONE = -1, ACCEPT_IDENTITY = 0, ACCEPT_GZIP = 1 };

/* ACCEPT_GZIP when gzip (or "*") has the higher non-zero q, else
 * ACCEPT_IDENTITY while identity is acceptable (no header, or not refused
 * with q=0 directly or through "*;q=0"); ACCEPT_NONE when neither is (the
 * caller answers 406).  Ties go to gzip, as envd does. */
int accept_encoding(const char *header);

#endif
