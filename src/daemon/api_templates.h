/*
 * api_templates: GET /templates — the templates this sbxd can start
 * sandboxes from (the built ones in the template cache), in the shape of
 * E2B's Template list so SDK template listings and the workbench's
 * template picker work against a local sbxd.
 */
#ifndef SBX_DAEMON_API_TEMPLATES_H
#define SBX_DAEMON_API_TEMPLATES_H
#include "daemon_int.h"

/* rest: the path below /templates ("" or "/..."); the key is checked. */
void api_templates(sbxd *d, http_req *r, const char *rest);

#endif
