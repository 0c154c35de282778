#include "sbxd.h"
#include "api.h"
#include "config.h"
#include "events.h"
#include "files.h"
#include "jobs.h"
#include "liveness.h"
#include "metrics_hist.h"
#include "pool.h"
#include "runtimes.h"
#include "sandbox.h"
#include "snapshots.h"
#include "store.h"
#include "../util/log.h"
#include "../util/timeutil.h"
#include "../util/xalloc.h"
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long sbxd_free waits for creates and teardowns in flight. */
#define DRAIN_MS 60000

void sbxd_template_free(sbxd_template *t)
{
	free(t->id);
	free(t->dir);
	for (size_t i = 0; i < t->nenv; i++)
		free(t->env[i]);
	free(t->env);
	free(t->user);
	free(t->workdir);
	free(t->start_cmd);
	free(t->ready_cmd);
	memset(t, 0, sizeof *t);
}

/* Leftovers of files_write_atomic() interrupted by a crash. */
static void remove_temp_files(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	while (dh && (de = readdir(dh))) {
		if (strstr(de->d_name, ".json.tmp.")) {
			char *p = xasprintf("%s/%s", dir, de->d_name);
			unlink(p);
			free(p);
		}
	}
	if (dh)
		closedir(dh);
}

static void adopt_all(sbxd *d)
{
	char **ids;
	sbx_err e;
	size_t n, kept = 0, dropped = 0;
	remove_temp_files(d->sb_dir);
	if (store_list(d->sb_dir, &ids, &n, &e) < 0) {
		log_warn("sbxd: %s", e.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		sbxd_record rec;
		sbox *sb;
		if (store_load(d->sb_dir, ids[i], &rec, &e) < 0) {
			log_warn("sbxd: skipping sandbox %s: %s (remove it by hand if it is of no use)", ids[i], e.msg);
			continue;
		}
		int pooled = rec.pooled;
		if (sbox_adopt(d, &rec, &sb, &e) < 0) {
			log_info("sbxd: dropped %ssandbox %s: %s", pooled ? "pool " : "", ids[i], e.msg);
			record_free(&rec);
			dropped++;
		} else {
			kept++;
		}
	}
	store_list_free(ids);
	if (n)
		log_info("sbxd: re-adopted %zu sandbox%s, dropped %zu", kept, kept == 1 ? "" : "es", dropped);
}

sbxd *sbxd_new(sbx_loop *loop, const sbxd_opts *o, sbx_err *e)
{
	sbxd *d = xcalloc(1, sizeof *d);
	d->loop = loop;
	d->state_dir = xstrdup(o->state_dir);
	d->sb_dir = xasprintf("%s/sandboxes", o->state_dir);
	d->api_key = xstrdup(o->api_key);
	d->agent_bin = o->agent_bin ? xstrdup(o->agent_bin) : NULL;
	d->hosts_file = o->hosts_file && *o->hosts_file ? xstrdup(o->hosts_file) : NULL;
	d->net_refresh_ms = o->net_refresh_ms;
	d->runtimes = o->runtimes ? o->runtimes : sbxd_builtin_runtimes;
	d->find_template = o->find_template ? o->find_template : sbxd_find_template;
	runtimes_probe(d->runtimes, &d->rts);
	if (fsu_mkdirs(d->sb_dir, 0700, e) < 0 || runtimes_choose(&d->rts, o->runtime, &d->rt, e) < 0)
		goto fail;
	d->cl = http_client_new(loop);
	d->srv = http_server_new(loop, api_handle, d);
	sbx_err le;
	if (http_server_listen(d->srv, o->listen ? o->listen : SBXD_DEFAULT_LISTEN, &le) < 0) {
		sbx_error(e, "%s; stop whatever listens there (another sbxd?) or choose another --listen", le.msg);
		goto fail;
	}
	d->port = http_server_port(d->srv);
	events_start(d);
	adopt_all(d);
	snaps_cleanup(d);
	liveness_start(d);
	api_network_start(d);
	mhist_start(d);
	pool_init(d, o->pool, o->pool_templates);
	return d;
fail:
	sbxd_free(d);
	return NULL;
}

int sbxd_port(sbxd *d)
{
	return d->port;
}

void sbxd_free(sbxd *d)
{
	if (!d)
		return;
	d->stopping = 1;
	liveness_stop(d);
	api_network_stop(d);
	mhist_stop(d);
	/* Requests first: their close callbacks withdraw from the sandboxes. */
	http_server_free(d->srv);
	pool_free(d);
	/* Creates and teardowns in flight finish (the server is gone, so
	 * nothing new starts); then the live sandboxes are let go. */
	int64_t end = now_ms() + DRAIN_MS;
	while ((d->jobs || d->dying) && now_ms() < end)
		loop_once(d->loop, 100);
	if (d->jobs || d->dying) {
		log_warn("sbxd: runtime jobs still running after %d s (%d); leaving them to the next sbxd",
			 DRAIN_MS / 1000, job_count(d));
		jobs_abandon(d);
		while (d->dying) {
			sbox *sb = d->dying;
			d->dying = sb->next;
			sbox_abandon(sb);
		}
	}
	while (d->boxes)
		sbox_release(d->boxes);
	events_stop(d);
	http_client_free(d->cl);
	runtimes_free(&d->rts);
	free(d->state_dir);
	free(d->sb_dir);
	free(d->api_key);
	free(d->agent_bin);
	free(d->hosts_file);
	free(d);
}
