/*
 * files_gz: a /files download sent gzip-encoded (the SDKs' read(gzip=True),
 * Accept-Encoding: gzip), compressed as it streams: a bounded piece of the
 * file at a time, the next one once the client has taken the last, so a
 * large file costs neither memory nor a blocked loop.
 */
#ifndef SBX_FILES_GZ_H
#define SBX_FILES_GZ_H
#include "../http/server.h"

/* Answers r with status 200, ctype and Content-Encoding: gzip from fd (a
 * regular file, blocking reads; taken over and closed).  Headers added to
 * r before go out with it.  A read error cuts the answer short. */
void files_gz_send(http_req *r, const char *ctype, int fd);

#endif
