/*
 * envd_files: envd's /files endpoint (download GET, upload POST).
 *
 * files_auth_ok is the router's check for /files instead of the plain token
 * check: with no access token configured everything passes; otherwise a
 * matching X-Access-Token header, or a valid, unexpired URL signature
 *   signature=v1_<b64 SHA-256 of "<path>:<read|write>:<username>:<token>[:<exp>]">
 *   [&signature_expiration=<unix s>]
 * (read for GET, write for POST; base64 standard alphabet, '=' stripped).
 * Returns 1 to let the request through, 0 when the caller must answer 401.
 */
#ifndef SBX_ENVD_FILES_H
#define SBX_ENVD_FILES_H
#include "agent.h"

int files_auth_ok(agent *a, http_req *r);

#endif
