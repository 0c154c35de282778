/* sbx env: the exports that point unmodified E2B SDK code at sbxd. */
#include "cli.h"
#include "../proto/local.h"
#include "../util/xalloc.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sbx env [--state-dir DIR]\n"
		"Prints shell exports for E2B's SDKs: eval \"$(sbx env)\".\n"
		"  --state-dir DIR   the state dir sbxd runs with (default %s)\n",
		"$XDG_STATE_HOME/sbx or ~/.local/state/sbx");
}

int cmd_env(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state-dir", required_argument, 0, 's' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	char *state = NULL, *key = NULL, *url;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': free(state); state = xstrdup(optarg); break;
		case 'h': usage(stdout); free(state); return 0;
		default: usage(stderr); free(state); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sbx env: unexpected argument '%s'\n", argv[optind]);
		free(state);
		return 2;
	}
	if (!state)
		state = sbx_state_dir();
	sbx_err e;
	if (sbx_api_key_read(&key, &e) < 0) {
		fprintf(stderr, "sbx env: %s\n", e.msg);
		free(state);
		return 1;
	}
	if (!sbx_key_has_form(key, SBX_KEY_PREFIX))
		fprintf(stderr, "sbx env: note: this API key is not in E2B's form " SBX_KEY_PREFIX "<hex>, which E2B SDKs "
			"2.27 to 2.45 insist on; restart sbxd (`sbx serve`) to migrate a key it made, or delete "
			"the key file for a new one\n");
	sbxd_endpoint ep;
	if (sbxd_endpoint_read(state, &ep, &e) == 0) {
		url = xstrdup(ep.url);
		sbxd_endpoint_free(&ep);
	} else {
		/* Not started with this state dir yet: where it will listen by default. */
		url = xasprintf("http://127.0.0.1:%d", SBXD_DEFAULT_PORT);
	}
	/* E2B_VOLUME_API_URL: the SDKs' Volume file calls go there (default
	 * https://api.e2b.app); sbxd serves /volumecontent itself. */
	printf("export E2B_API_URL=%s\nexport E2B_SANDBOX_URL=%s\nexport E2B_VOLUME_API_URL=%s\nexport E2B_API_KEY=%s\n",
	       url, url, url, key);
	free(url);
	free(key);
	free(state);
	return 0;
}
