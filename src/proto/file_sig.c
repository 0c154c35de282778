#include "file_sig.h"
#include "../util/b64.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *file_signature(const char *path, const char *op, const char *user, const char *token, const char *exp)
{
	char *raw = exp ? xasprintf("%s:%s:%s:%s:%s", path, op, user, token, exp)
			: xasprintf("%s:%s:%s:%s", path, op, user, token);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!EVP_Digest(raw, strlen(raw), md, &mdlen, EVP_sha256(), NULL))
		mdlen = 0;   /* never matches: "v1_" alone is not a valid signature */
	free(raw);
	char *b = b64_encode(md, mdlen);
	b[strcspn(b, "=")] = '\0';
	char *sig = xasprintf("v1_%s", b);
	free(b);
	return sig;
}

static int str_eq_ct(const char *got, const char *want)
{
	size_t n = strlen(want);
	return strlen(got) == n && CRYPTO_memcmp(got, want, n) == 0;
}

int file_sig_ok(const char *method, const char *path, const char *user, const char *sig, const char *exp,
		const char *token, time_t now)
{
	const char *op;
	if (!method || !token || !*token || !sig || !*sig)
		return FILE_SIG_BAD;
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		op = "read";
	else if (!strcmp(method, "POST"))
		op = "write";
	else
		return FILE_SIG_BAD;
	char expbuf[32];
	long long expv = 0;
	if (exp) {
		char *end;
		errno = 0;
		expv = strtoll(exp, &end, 10);
		if (!*exp || *end || errno)
			return FILE_SIG_BAD;
		snprintf(expbuf, sizeof expbuf, "%lld", expv);   /* envd re-formats the integer */
	}
	char *want = file_signature(path ? path : "", op, user ? user : "", token, exp ? expbuf : NULL);
	/* base64 '+' arrives as a space when a client did not %-encode it. */
	char *got = xstrdup(sig);
	for (char *p = got; *p; p++)
		if (*p == ' ')
			*p = '+';
	int ok = str_eq_ct(got, want);
	free(got);
	free(want);
	if (!ok)
		return FILE_SIG_BAD;
	return exp && expv < (long long)now ? FILE_SIG_EXPIRED : FILE_SIG_OK;
}
