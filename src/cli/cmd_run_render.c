#include "cmd_run_render.h"
#include "../util/b64.h"
#include "../util/fsutil.h"
#include "../util/buf.h"
#include "../util/xalloc.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int render_png_size(const unsigned char *p, size_t n, unsigned *w, unsigned *h)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	if (n < 24 || memcmp(p, sig, 8) || memcmp(p + 12, "IHDR", 4))
		return 0;
	*w = (unsigned)p[16] << 24 | (unsigned)p[17] << 16 | (unsigned)p[18] << 8 | p[19];
	*h = (unsigned)p[20] << 24 | (unsigned)p[21] << 16 | (unsigned)p[22] << 8 | p[23];
	return 1;
}

static const char *jstr(const json_t *j, const char *k)
{
	const char *s = json_string_value(json_object_get(j, k));
	return s && *s ? s : NULL;
}

static void element_text(const char *type, const json_t *el, sbx_buf *b)
{
	const char *label = jstr(el, "label");
	json_t *v;
	if (!strcmp(type, "bar") && (v = json_object_get(el, "value")) && json_is_number(v))
		buf_printf(b, "%s=%g", label ? label : "?", json_number_value(v));
	else if (!strcmp(type, "pie") && (v = json_object_get(el, "angle")) && json_is_number(v))
		buf_printf(b, "%s=%g°", label ? label : "?", json_number_value(v));
	else if ((v = json_object_get(el, "points")) && json_is_array(v))
		buf_printf(b, "%s (%zu points)", label ? label : "?", json_array_size(v));
	else if ((v = json_object_get(el, "median")) && json_is_number(v))
		buf_printf(b, "%s median %g", label ? label : "?", json_number_value(v));
	else if (jstr(el, "type")) {
		char sub[256];
		render_chart(el, sub, sizeof sub);
		buf_printf(b, "[%s]", sub);
	} else
		buf_puts(b, label ? label : "?");
}

void render_chart(const json_t *chart, char *out, size_t n)
{
	const char *type = jstr(chart, "type"), *title = jstr(chart, "title");
	const char *xl = jstr(chart, "x_label"), *yl = jstr(chart, "y_label");
	json_t *els = json_object_get(chart, "elements");
	sbx_buf b = SBX_BUF_INIT;
	buf_printf(&b, "%s chart", type ? type : "unknown");
	if (title)
		buf_printf(&b, " '%s'", title);
	if (xl || yl)
		buf_printf(&b, ":%s%s%s%s%s%s", xl ? " x '" : "", xl ? xl : "", xl ? "'" : "", yl ? " y '" : "",
			   yl ? yl : "", yl ? "'" : "");
	size_t ne = json_array_size(els), i;
	json_t *el;
	buf_printf(&b, "; %zu element%s", ne, ne == 1 ? "" : "s");
	json_array_foreach(els, i, el) {
		buf_puts(&b, i ? ", " : ": ");
		if (i == 8) {
			buf_puts(&b, "...");
			break;
		}
		element_text(type ? type : "", el, &b);
	}
	snprintf(out, n, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* Saves base64 data as DIR/cell-N-K.EXT; prints the path and what it is. */
static int save_image(run_render *r, const char *b64, const char *ext, const char *kind)
{
	size_t n;
	unsigned char *bytes = b64_decode(b64, strlen(b64), &n);
	unsigned w = 0, h = 0;
	char dims[48] = "";
	if (!bytes) {
		fprintf(stderr, "sbx run: a %s result is not valid base64\n", kind);
		return -1;
	}
	if (render_png_size(bytes, n, &w, &h))
		snprintf(dims, sizeof dims, " %ux%u", w, h);
	if (!r->out_dir) {
		fprintf(r->out, "[%s%s, %zu bytes; save it with --out DIR]\n", kind, dims, n);
		free(bytes);
		return 0;
	}
	sbx_err e;
	if (fsu_mkdirs(r->out_dir, 0755, &e) < 0) {
		fprintf(stderr, "sbx run: %s\n", e.msg);
		free(bytes);
		return -1;
	}
	char *path = xasprintf("%s/cell-%d-%d.%s", r->out_dir, r->exec_count, ++r->nfiles, ext);
	FILE *f = fopen(path, "wb");
	int ok = f && fwrite(bytes, 1, n, f) == n;
	if (f && fclose(f) != 0)
		ok = 0;
	if (ok)
		fprintf(r->out, "[%s%s] %s\n", kind, dims, path);
	else
		fprintf(stderr, "sbx run: cannot write %s: %s\n", path, strerror(errno));
	free(path);
	free(bytes);
	return ok ? 0 : -1;
}

int render_result(run_render *r, const sbx_result *res)
{
	int rc = 0, image = 0;
	if (res->png) {
		rc |= save_image(r, res->png, "png", "image/png");
		image = 1;
	}
	if (res->jpeg) {
		rc |= save_image(r, res->jpeg, "jpg", "image/jpeg");
		image = 1;
	}
	if (res->chart) {
		char s[1024];
		render_chart(res->chart, s, sizeof s);
		fprintf(r->out, "[%s]\n", s);
	}
	if (res->data && json_is_object(res->data)) {
		const char *k;
		json_t *v;
		size_t rows = 0, i = 0;
		fprintf(r->out, "[data: %zu columns", json_object_size(res->data));
		json_object_foreach((json_t *)res->data, k, v) {
			if (json_array_size(v) > rows)
				rows = json_array_size(v);
			fprintf(r->out, "%s%s", i++ ? ", " : " (", k);
		}
		fprintf(r->out, "%s, %zu rows]\n", i ? ")" : "", rows);
	}
	/* the text of a figure is "<Figure size ...>": the image says more */
	if (res->text && !image)
		fprintf(r->out, "%s\n", res->text);
	else if (!res->text && !image && !res->chart) {
		if (res->markdown)
			fprintf(r->out, "%s\n", res->markdown);
		else if (res->html)
			fprintf(r->out, "%s\n", res->html);
		else if (res->latex)
			fprintf(r->out, "%s\n", res->latex);
		else if (res->json) {
			char *s = json_dumps(res->json, JSON_INDENT(2));
			fprintf(r->out, "%s\n", s);
			free(s);
		} else if (res->svg) {
			fprintf(r->out, "[image/svg+xml, %zu bytes]\n", strlen(res->svg));
		}
	}
	fflush(r->out);
	return rc;
}
