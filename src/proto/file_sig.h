/*
 * file_sig: envd's signed /files URLs (the SDKs' download_url/upload_url):
 * signature = "v1_" + unpadded base64 of
 * SHA-256("<path>:<read|write>:<user>:<access token>[:<expiry>]").
 * The agent checks them instead of X-Access-Token; sbxd uses the same check
 * to find which of its sandboxes a signed URL (no E2b-Sandbox-Id header)
 * belongs to.  All arguments are the client's bytes (may be NULL).
 */
#ifndef SBX_FILE_SIG_H
#define SBX_FILE_SIG_H
#include <time.h>

/* The signature for these fields (heap string); exp may be NULL. */
char *file_signature(const char *path, const char *op, const char *user, const char *token, const char *exp);

/* FILE_SIG_OK when sig signs (method → read for GET/HEAD, write for POST,
 * nothing else) path and user with token, and exp, if given, is an integer
 * not before now; FILE_SIG_EXPIRED when it signs them but exp is past (the
 * URL still names its sandbox; envd answers "signature is already
 * expired"); FILE_SIG_BAD otherwise.  Compared in constant time. */
enum { FILE_SIG_BAD = 0, FILE_SIG_OK = 1, FILE_SIG_EXPIRED = 2 };
int file_sig_ok(const char *method, const char *path, const char *user, const char *sig, const char *exp,
		const char *token, time_t now);

#endif
