/*
 * envd_files: envd's /files endpoint (download GET, upload POST).
 *
 * files_auth_error is the router's check for /files instead of the plain
 * token check: with no access token configured everything passes; otherwise a
 * matching X-Access-Token header, or a valid, unexpired URL signature
 *   signature=v1_<b64 SHA-256 of "<path>:<read|write>:<username>:<token>[:<exp>]">
 *   [&signature_expiration=<unix s>]
 * (read for GET, write for POST; base64 standard alphabet, '=' stripped).
 * Returns NULL to let the request through, else the message of the caller's
 * 401 (envd's "signature is already expired" for a right but expired one).
 */
#ifndef SBX_ENVD_FILES_H
#define SBX_ENVD_FILES_H
#include "agent.h"

const char *files_auth_error(agent *a, http_req *r);

#endif
