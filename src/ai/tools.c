/* tools: the tool table, what a tool's result tells the model, the system prompt. */
#include "tools.h"
#include "../util/xalloc.h"
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LIMIT (16 * 1024)

const ai_tool_def ai_tools[] = {
	{ "execute_python",
	  "Run Python code as a cell in the sandbox's Jupyter kernel. Variables, imports and "
	  "definitions persist between calls. Returns stdout, stderr, the value of the last "
	  "expression, the error with its traceback, and a note for each chart or image (the "
	  "user sees charts; call plt.show() to display a matplotlib figure).",
	  "{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\","
	  "\"description\":\"The Python code to run\"}},\"required\":[\"code\"],"
	  "\"additionalProperties\":false}" },
	{ "run_command",
	  "Run a shell command in the sandbox (bash -lc, in /home/user) and return its output "
	  "and exit status.",
	  "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\","
	  "\"description\":\"The command line to run\"}},\"required\":[\"command\"],"
	  "\"additionalProperties\":false}" },
	{ "read_file",
	  "Read a text file in the sandbox.",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\","
	  "\"description\":\"Absolute path, or relative to /home/user\"}},\"required\":[\"path\"],"
	  "\"additionalProperties\":false}" },
	{ "write_file",
	  "Write a text file in the sandbox (replacing it; parent directories are made).",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\","
	  "\"description\":\"Absolute path, or relative to /home/user\"},\"content\":{\"type\":"
	  "\"string\",\"description\":\"The file's new content\"}},\"required\":[\"path\",\"content\"],"
	  "\"additionalProperties\":false}" },
};
const size_t ai_ntools = sizeof ai_tools / sizeof ai_tools[0];

const ai_tool_def *ai_tool_find(const char *name)
{
	for (size_t i = 0; name && i < ai_ntools; i++)
		if (!strcmp(ai_tools[i].name, name))
			return &ai_tools[i];
	return NULL;
}

/* --- results --------------------------------------------------------------- */

void ai_toolres_init(ai_toolres *r)
{
	memset(r, 0, sizeof *r);
	r->exit_code = -1;
}

void ai_toolres_free(ai_toolres *r)
{
	buf_free(&r->out);
	buf_free(&r->err);
	buf_free(&r->results);
	buf_free(&r->error);
}

static size_t limit_of(const ai_toolres *r)
{
	return r->limit ? r->limit : DEFAULT_LIMIT;
}

/* Appends to a part that may grow without bound (a command printing
 * gigabytes): the buffer keeps the first limit/2 bytes and at least the
 * last limit/2, which is all the text shows; *seen counts every byte. */
static void part_append(sbx_buf *b, size_t *seen, size_t limit, const char *s, size_t n)
{
	size_t head = limit / 2;
	buf_append(b, s, n);
	*seen += n;
	if (b->len > head + 2 * limit) {
		memmove(b->data + head, b->data + b->len - limit, limit);
		b->len = head + limit;
		b->data[b->len] = '\0';
	}
}

void ai_toolres_stdout(ai_toolres *r, const char *s, size_t n)
{
	part_append(&r->out, &r->out_seen, limit_of(r), s, n);
}

void ai_toolres_stderr(ai_toolres *r, const char *s, size_t n)
{
	part_append(&r->err, &r->err_seen, limit_of(r), s, n);
}

void ai_toolres_error(ai_toolres *r, const char *name, const char *value, const char *traceback)
{
	sbx_buf t = SBX_BUF_INIT;
	buf_printf(&t, "%s: %s\n", name && *name ? name : "Error", value ? value : "");
	if (traceback && *traceback) {
		buf_puts(&t, traceback);
		if (t.data[t.len - 1] != '\n')
			buf_putc(&t, '\n');
	}
	part_append(&r->error, &r->error_seen, limit_of(r), t.data, t.len);
	buf_free(&t);
	r->failed = 1;
}

void ai_toolres_result(ai_toolres *r, const char *text, int has_image, const char *chart_title,
		       const char *chart_type)
{
	sbx_buf t = SBX_BUF_INIT;
	if (chart_type || (has_image && chart_title)) {
		buf_puts(&t, has_image ? "[a PNG chart was produced" : "[a chart was produced");
		if (chart_title && *chart_title)
			buf_printf(&t, ": \"%s\"", chart_title);
		if (chart_type && *chart_type)
			buf_printf(&t, " (%s chart)", chart_type);
		buf_puts(&t, "; the user sees it]\n");
	} else if (has_image) {
		buf_puts(&t, "[an image was produced; the user sees it]\n");
	}
	/* a figure's text is "<Figure size 640x480 with 1 Axes>": the line above says more */
	if (text && *text && !has_image) {
		buf_puts(&t, text);
		if (t.data[t.len - 1] != '\n')
			buf_putc(&t, '\n');
	}
	if (t.len)
		part_append(&r->results, &r->results_seen, limit_of(r), t.data, t.len);
	buf_free(&t);
}

void ai_toolres_exit(ai_toolres *r, int code)
{
	r->exit_code = code;
	if (code != 0)
		r->failed = 1;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min;
	unsigned cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, min = 0x80, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, min = 0x800, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, min = 0x10000, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Appends s without terminal escapes (CSI, OSC, two-byte ESC sequences)
 * and other control bytes but \n and \t; \r\n becomes \n, a lone \r a
 * newline; invalid UTF-8 becomes '?' (the model's API wants valid text). */
void ai_text_clean(sbx_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c == 0x1b) {
			i++;
			if (i < n && p[i] == '[') {            /* CSI: parameters, then a final byte */
				for (i++; i < n && !(p[i] >= 0x40 && p[i] <= 0x7e); i++)
					;
				i++;
			} else if (i < n && p[i] == ']') {     /* OSC: to BEL or ESC \ */
				for (i++; i < n && p[i] != 0x07 && p[i] != 0x1b; i++)
					;
				i += i < n && p[i] == 0x1b ? 2 : 1;
			} else {
				i++;
			}
			continue;
		}
		if (c == '\r') {
			if (i + 1 >= n || p[i + 1] != '\n')
				buf_putc(b, '\n');
			i++;
			continue;
		}
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			i++;
			continue;
		}
		size_t l = utf8_len(p + i, n - i);
		if (!l) {
			buf_putc(b, '?');
			i++;
			continue;
		}
		buf_append(b, p + i, l);
		i += l;
	}
}

/* One part, clipped to limit bytes: its head and tail with a note of what
 * was left out between them. */
static void put_part(sbx_buf *o, const char *label, const sbx_buf *b, size_t seen, size_t limit)
{
	if (!b->len)
		return;
	if (o->len && o->data[o->len - 1] != '\n')
		buf_putc(o, '\n');
	if (label)
		buf_printf(o, "%s:\n", label);
	if (seen <= limit || b->len <= limit) {
		ai_text_clean(o, b->data, b->len);
	} else {
		size_t head = limit / 2, tail = limit - head;
		size_t h = head, t = b->len - tail;
		const unsigned char *p = (const unsigned char *)b->data;
		while (h > 0 && (p[h] & 0xc0) == 0x80)      /* cut between characters */
			h--;
		while (t < b->len && (p[t] & 0xc0) == 0x80)
			t++;
		ai_text_clean(o, b->data, h);
		if (o->len && o->data[o->len - 1] != '\n')
			buf_putc(o, '\n');
		buf_printf(o, "[... %zu bytes left out ...]\n", seen - limit);
		ai_text_clean(o, b->data + t, b->len - t);
	}
	if (o->data[o->len - 1] != '\n')
		buf_putc(o, '\n');
}

char *ai_toolres_text(const ai_toolres *r, int *is_error)
{
	sbx_buf o = SBX_BUF_INIT;
	size_t lim = limit_of(r);
	int labels = (r->out.len > 0) + (r->err.len > 0) + (r->results.len > 0) + (r->error.len > 0) > 1 ||
		     r->exit_code >= 0;
	put_part(&o, labels ? "stdout" : NULL, &r->out, r->out_seen, lim);
	put_part(&o, labels ? "stderr" : NULL, &r->err, r->err_seen, lim);
	put_part(&o, NULL, &r->results, r->results_seen, lim);
	put_part(&o, NULL, &r->error, r->error_seen, lim);
	if (r->exit_code >= 0)
		buf_printf(&o, "exit status: %d\n", r->exit_code);
	if (!o.len)
		buf_puts(&o, "(no output)");
	else if (o.data[o.len - 1] == '\n')
		o.data[--o.len] = '\0';
	if (is_error)
		*is_error = r->failed;
	return buf_detach(&o);
}

/* --- the system prompt ------------------------------------------------------ */

char *ai_system_prompt(const ai_prompt_info *info)
{
	const char *home = info && info->home ? info->home : "/home/user";
	sbx_buf b = SBX_BUF_INIT;
	buf_puts(&b, "You are a data analyst and programmer with a sandboxed Linux machine");
	if (info && info->template_id)
		buf_printf(&b, " (sbx template \"%s\")", info->template_id);
	buf_puts(&b, ". Use the tools to run code there instead of guessing: compute answers, "
		     "don't estimate them.\n");
	buf_puts(&b, "- execute_python runs Python in a Jupyter kernel; variables, imports and "
		     "definitions are kept between calls. The value of a cell's last expression is "
		     "returned.\n");
	buf_printf(&b, "- Files live under %s, the working directory. run_command runs bash there; "
		       "read_file and write_file read and write files.\n", home);
	buf_puts(&b, "- matplotlib charts are shown to the user as images: end with plt.show() (a "
		     "figure that is only saved with savefig is not shown). You are told a chart was "
		     "made, you do not see it.\n");
	buf_puts(&b, "- Tool results are clipped when long; print summaries rather than whole data "
		     "sets.\n");
	if (info && info->files && info->files[0]) {
		buf_printf(&b, "Files in %s (the user's uploads among them):", home);
		for (size_t i = 0; info->files[i]; i++) {
			buf_puts(&b, i ? ", " : " ");
			ai_text_clean(&b, info->files[i], strlen(info->files[i]));
		}
		buf_puts(&b, "\n");
	}
	if (info && info->packages && info->packages[0]) {
		buf_puts(&b, "Preinstalled Python packages (install others with pip):");
		for (size_t i = 0; info->packages[i]; i++) {
			buf_puts(&b, i ? ", " : " ");
			ai_text_clean(&b, info->packages[i], strlen(info->packages[i]));
		}
		buf_puts(&b, "\n");
	}
	buf_puts(&b, "When done, answer briefly with the result.");
	return buf_detach(&b);
}
