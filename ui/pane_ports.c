/*
 * pane_ports: the TCP ports listening in a tab's sandbox (its agent's
 * GET /sbx/ports through libsbx, every 2 s while the sandbox runs), with
 * Enter forwarding the selected one to a local port (libsbx's forwarder
 * on the app's loop: each local connection goes through sbxd's tunnel)
 * and its URLs shown: http://127.0.0.1:LPORT/ and sbxd's own
 * http://PORT-ID.localhost:SBXDPORT/ (sbx_port_url).  Forwards live as
 * long as the pane; x stops one.  The listing is hostile (portlist).
 */
#include "app.h"
#include "draw.h"
#include "model/portlist.h"
#include "model/utf8.h"
#include "../src/client/ports.h"
#include "../src/util/xalloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_EVERY_MS 2000

typedef struct pp_fwd {
	struct ports *pp;
	int port;
	sbx_forward *f;
} pp_fwd;

typedef struct ports {
	pane p;
	portlist pl;
	sbx_op *list_op;
	int64_t timer;
	char *error;              /* the last listing's, NULL when fine */
	pp_fwd **fwds;
	size_t nfwds;
} ports;

/* --- the listing ------------------------------------------------------------- */

static void on_list(const sbx_port *v, size_t n, const sbx_err *e, void *ud)
{
	ports *pp = ud;
	pp->list_op = NULL;
	free(pp->error);
	pp->error = e ? xstrdup(e->msg) : NULL;
	if (!e) {
		pl_port_in *in = xcalloc(n + 1, sizeof *in);
		for (size_t i = 0; i < n; i++)
			in[i] = (pl_port_in){ v[i].port, v[i].address, v[i].proto, v[i].cmd, v[i].pid };
		portlist_set(&pp->pl, in, n);
		free(in);
	}
	app_dirty(pp->p.app);
}

static void list_again(ports *pp)
{
	session *s = pp->p.session;
	if (pp->list_op || s->state != SESSION_RUNNING)
		return;
	sbx_err e;
	if (sbx_ports_list(app_client(pp->p.app), &s->sb, on_list, pp, &pp->list_op, &e) < 0) {
		pp->list_op = NULL;
		on_list(NULL, 0, &e, pp);
	}
}

static int64_t on_timer(sbx_loop *l, int64_t id, void *ud)
{
	(void)l;
	(void)id;
	list_again(ud);
	return LIST_EVERY_MS;
}

/* --- forwards ------------------------------------------------------------------ */

static pp_fwd *fwd_of(ports *pp, int port)
{
	for (size_t i = 0; i < pp->nfwds; i++)
		if (pp->fwds[i]->port == port)
			return pp->fwds[i];
	return NULL;
}

static void fwd_stop(ports *pp, pp_fwd *f)
{
	for (size_t i = 0; i < pp->nfwds; i++)
		if (pp->fwds[i] == f) {
			pp->fwds[i] = pp->fwds[--pp->nfwds];
			break;
		}
	portlist_forward_set(&pp->pl, f->port, 0);
	sbx_forward_stop(f->f);
	free(f);
}

/* A connection through the forward failed: say why, go on. */
static void on_fwd_error(const char *msg, void *ud)
{
	pp_fwd *f = ud;
	app_error(f->pp->p.app, "port %d: %s", f->port, msg);
}

static void urls(ports *pp, int port, int lport, char *out, size_t n)
{
	session *s = pp->p.session;
	char local[48] = "";
	if (lport)
		pl_local_url(lport, local, sizeof local);
	char *host = sbx_port_url(sbx_client_config(app_client(pp->p.app)), &s->sb, NULL, port);
	snprintf(out, n, "%s%s%s", local, *local && host ? "  or  " : "", host ? host : "");
	free(host);
}

typedef struct fwd_ask {
	ports *pp;
	int port;
} fwd_ask;

static void on_local_port(app *a, const char *text, void *ud)
{
	fwd_ask *q = ud;
	ports *pp = q->pp;
	int lport = text ? pl_parse_port(text, 1) : -2;
	if (lport == -1) {
		app_error(a, "\"%.20s\" is not a port: type 1 to 65535, or 0 for any free port", text);
	} else if (lport >= 0) {
		pp_fwd *old = fwd_of(pp, q->port);
		if (old)
			fwd_stop(pp, old);
		pp_fwd *f = xcalloc(1, sizeof *f);
		f->pp = pp;
		f->port = q->port;
		sbx_err e;
		if (sbx_port_forward(app_client(a), &pp->p.session->sb, q->port, lport, on_fwd_error, f, &f->f, &e) < 0) {
			app_error(a, "cannot forward port %d: %s", q->port, e.msg);
			free(f);
		} else {
			pp->fwds = xrealloc(pp->fwds, (pp->nfwds + 1) * sizeof *pp->fwds);
			pp->fwds[pp->nfwds++] = f;
			int got = sbx_forward_local_port(f->f);
			portlist_forward_set(&pp->pl, q->port, got);
			char u[300];
			urls(pp, q->port, got, u, sizeof u);
			app_info(a, "port %d is at %s", q->port, u);
		}
	}
	free(q);
	app_dirty(a);
}

/* --- the pane ------------------------------------------------------------------- */

static int action_op(pane *p, ui_action act)
{
	ports *pp = (ports *)p;
	int port = portlist_selected(&pp->pl);
	switch (act) {
	case A_LIST_UP: portlist_move(&pp->pl, -1); break;
	case A_LIST_DOWN: portlist_move(&pp->pl, 1); break;
	case A_LIST_TOP: portlist_move(&pp->pl, -(long)pp->pl.n); break;
	case A_LIST_BOTTOM: portlist_move(&pp->pl, (long)pp->pl.n); break;
	case A_PORTS_REFRESH: list_again(pp); break;
	case A_PORTS_FORWARD: {
		if (!port) {
			app_info(p->app, "no port selected: nothing listens in the sandbox yet");
			break;
		}
		fwd_ask *q = xcalloc(1, sizeof *q);
		q->pp = pp;
		q->port = port;
		char title[96], init[8];
		snprintf(title, sizeof title, "Forward port %d to local port (0: any free one)", port);
		snprintf(init, sizeof init, "%d", port);
		app_prompt(p->app, p, title, init, on_local_port, q);
		break;
	}
	case A_PORTS_STOP: {
		pp_fwd *f = port ? fwd_of(pp, port) : NULL;
		if (!f) {
			app_info(p->app, "port %d is not forwarded", port);
			break;
		}
		fwd_stop(pp, f);
		app_info(p->app, "forward of port %d stopped", port);
		break;
	}
	default: return 0;
	}
	app_dirty(p->app);
	return 1;
}

/* s over rows y.. of width w (cut at any character: messages are prose
 * without long words to keep whole); returns the rows used. */
static int draw_wrapped(WINDOW *win, int y, int w, int maxrows, const char *s, ui_attr at)
{
	int rows = 0;
	size_t len = strlen(s);
	while (len && rows < maxrows && w > 0) {
		size_t n = 0;
		int cols = 0;
		while (n < len) {
			uint32_t cp;
			size_t k = utf8_decode(s + n, len - n, &cp);
			int cw = utf8_cp_width(cp);
			if (cols + (cw > 0 ? cw : 1) > w)
				break;
			cols += cw > 0 ? cw : 1;
			n += k;
		}
		draw_textn(win, y + rows, 1, w, s, n, at);
		s += n;
		len -= n;
		rows++;
	}
	return rows;
}

static void draw_op(pane *p, WINDOW *w, int focused)
{
	ports *pp = (ports *)p;
	app *a = p->app;
	ui_attr meta = app_th(a, TH_FILES_META), norm = app_th(a, TH_NORMAL), sel = app_th(a, TH_SELECTION);
	if (p->session->state != SESSION_RUNNING) {
		draw_text(w, 0, 1, -1, "The sandbox is not running: its ports are listed again when it runs.", meta);
		return;
	}
	if (pp->error) {
		draw_text(w, 0, 1, -1, "Cannot list the ports:", app_th(a, TH_MSG_ERROR));
		draw_wrapped(w, 1, p->cols - 2, p->rows - 1, pp->error, app_th(a, TH_MSG_ERROR));
		return;
	}
	if (!pp->pl.loaded) {
		draw_text(w, 0, 1, -1, "Listing the ports…", meta);
		return;
	}
	if (!pp->pl.n) {
		draw_text(w, 0, 1, -1, "Nothing listens in the sandbox (start a server, e.g. python3 -m http.server 8000).",
			  norm);
		return;
	}
	ui_attr head = meta;
	head.flags |= UI_BOLD;
	draw_text(w, 0, 1, -1, "PORT   ADDRESS          PROCESS", head);
	/* the selected port's URLs at the bottom */
	int vis = p->rows - 3;
	if (vis < 1)
		vis = p->rows - 1;
	size_t top = pp->pl.cursor >= (size_t)vis ? pp->pl.cursor - (size_t)vis + 1 : 0;
	for (int y = 0; y < vis && top + (size_t)y < pp->pl.n; y++) {
		size_t i = top + (size_t)y;
		const pl_row *r = &pp->pl.rows[i];
		char line[512];
		pl_row_text(r, line, sizeof line);
		int lport = portlist_forward_of(&pp->pl, r->port);
		if (lport)
			snprintf(line + strlen(line), sizeof line - strlen(line), "  \xe2\x86\x92 127.0.0.1:%d", lport);
		int is_sel = i == pp->pl.cursor;
		if (is_sel)
			draw_fill(w, y + 1, 0, p->cols, 1, focused ? sel : meta);
		draw_text(w, y + 1, 1, p->cols - 2, line, is_sel ? (focused ? sel : meta) : norm);
	}
	if (p->rows - 3 >= 1) {
		int port = portlist_selected(&pp->pl);
		char u[300], line[360];
		urls(pp, port, portlist_forward_of(&pp->pl, port), u, sizeof u);
		if (portlist_forward_of(&pp->pl, port))
			snprintf(line, sizeof line, "%d: %s", port, u);
		else
			snprintf(line, sizeof line, "%d: %s  (Enter: a local port too)", port, u);
		draw_text(w, p->rows - 1, 1, p->cols - 2, line, meta);
	}
}

static void title_op(pane *p, char *out, size_t n)
{
	snprintf(out, n, "ports of %.8s", p->session->id);
}

static keymode mode_op(pane *p)
{
	(void)p;
	return KM_PORTS;
}

static void status_op(pane *p, sbx_buf *out)
{
	ports *pp = (ports *)p;
	buf_printf(out, "%zu port%s listening", pp->pl.n, pp->pl.n == 1 ? "" : "s");
	if (pp->nfwds)
		buf_printf(out, ", %zu forwarded", pp->nfwds);
	char k1[16], k2[16];
	buf_printf(out, " \xc2\xb7 %s forward %s stop", app_key_hint(p->app, KM_PORTS, A_PORTS_FORWARD, k1, sizeof k1),
		   app_key_hint(p->app, KM_PORTS, A_PORTS_STOP, k2, sizeof k2));
}

static void sandbox_state_op(pane *p)
{
	ports *pp = (ports *)p;
	if (p->session->state == SESSION_RUNNING)
		list_again(pp);
	app_dirty(p->app);
}

static void free_op(pane *p)
{
	ports *pp = (ports *)p;
	if (pp->timer)
		loop_del_timer(app_loop(p->app), pp->timer);
	if (pp->list_op)
		sbx_op_cancel(pp->list_op);
	while (pp->nfwds)
		fwd_stop(pp, pp->fwds[0]);
	free(pp->fwds);
	portlist_free(&pp->pl);
	free(pp->error);
	free(pp);
}

static const pane_ops ports_ops = {
	.kind = PANE_PORTS, .title = title_op, .mode = mode_op, .draw = draw_op, .action = action_op,
	.status = status_op, .sandbox_state = sandbox_state_op, .free = free_op,
};

pane *pane_ports_new(app *a, session *s)
{
	ports *pp = xcalloc(1, sizeof *pp);
	pp->p.ops = &ports_ops;
	pp->p.app = a;
	pp->p.session = s;
	portlist_init(&pp->pl);
	list_again(pp);
	pp->timer = loop_add_timer(app_loop(a), LIST_EVERY_MS, on_timer, pp);
	return &pp->p;
}
