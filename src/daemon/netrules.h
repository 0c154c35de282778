/*
 * netrules: a sandbox's outbound rules as E2B's API states them
 * (allow_internet_access, network.allowOut / network.denyOut, and the same
 * fields of PUT /sandboxes/{id}/network): parsed, checked, normalized,
 * and turned into the addresses a driver enforces (vm/runtime.h rt_net).
 *
 * Entries are IPv4/IPv6 addresses, CIDRs, or (allowOut only, as E2B)
 * domain names.  Names are resolved by sbxd: first in a hosts file
 * (`sbx serve --hosts FILE`, lines "ADDR NAME..."), then getaddrinfo; a
 * name that does not resolve allows nothing until it does (sbxd resolves
 * again every NETRULES_REFRESH_MS).  Wildcards ("*.example.com") are
 * refused: enforcement is by address, and a wildcard has none.
 */
#ifndef SBX_DAEMON_NETRULES_H
#define SBX_DAEMON_NETRULES_H
#include <jansson.h>
#include <stddef.h>
#include "../util/err.h"

#define NETRULES_MAX 1000              /* entries per list */
#define NETRULES_REFRESH_MS (60 * 1000)

typedef struct netrules {
	int internet;      /* 0: everything outside allow is denied (E2B: denyOut 0.0.0.0/0) */
	char **allow;      /* NULL-terminated (never NULL after parse): "ADDR", "ADDR/N" or a name */
	char **deny;       /* addresses and CIDRs only */
} netrules;

/* From JSON values, each may be NULL or null: internet (bool, default
 * true), allow and deny (arrays of strings).  -1 with e naming the field
 * or the entry that is malformed and how to write it. */
int netrules_parse(json_t *internet, json_t *allow, json_t *deny, netrules *out, sbx_err *e);
void netrules_free(netrules *nr);

/* One entry normalized into out (>= 256 bytes): addresses as inet_ntop
 * writes them, CIDRs with their host bits cleared, names lowercased
 * without a trailing dot.  Returns 1 for an address or CIDR, 2 for a name
 * (names_ok only), -1 with e when malformed. */
int netrules_entry(const char *in, int names_ok, char *out, size_t n, sbx_err *e);

int netrules_has_names(const netrules *nr);
/* {"allowOut": [...], "denyOut": [...]} (a list only when non-empty). */
json_t *netrules_json(const netrules *nr);

/* The addresses to enforce: allow with names replaced by what they
 * resolve to (hosts_file, may be NULL, first), deny as is.  Blocks on
 * DNS: call it in a job's child (jobs.h), never on sbxd's loop.  Both
 * NULL-terminated, freed with sbx_strv_free (util/strv.h).  Names that do not
 * resolve are left out (listed in *unresolved when non-NULL, caller frees). */
void netrules_resolve(const netrules *nr, const char *hosts_file, char ***allow, char ***deny,
		      char **unresolved);

#endif
