/* The sbx_e2b IPython extension (vm/python): E2B chart JSON, e2b/data,
 * env_push/env_pop and the formatters inside a real IPython shell.
 *
 * Each case runs /usr/bin/python3 on a fixture script in tests/unit/charts/
 * (PYTHONPATH=<repo>/vm/python, MPLBACKEND=Agg) that prints one line of
 * JSON (docs/protocol.md §7).  Where E2B's own extractor's output for the
 * same figure is known (the expected strings below were recorded from it on
 * Debian's matplotlib), the text must match byte for byte; every case is
 * also parsed with jansson and its fields, key order and nulls checked.
 *
 * The repository root is $SBX_ROOT, else the nearest ancestor of this
 * binary that holds vm/python/sbx_e2b, else the current directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../src/util/buf.h"
#include "../../src/util/selfpath.h"
#include "../../src/util/xalloc.h"

#define PYTHON "/usr/bin/python3"
#define MINUS "\xe2\x88\x92" /* U+2212, matplotlib's tick-label minus */
#define N(a) (sizeof(a) / sizeof((a)[0]))

extern char **environ;

static char *g_root;

/* ------------------------------------------------------------ running fixtures */

static int is_repo_root(const char *dir)
{
	char *marker = xasprintf("%s/vm/python/sbx_e2b/__init__.py", dir);
	int ok = access(marker, R_OK) == 0;
	free(marker);
	return ok;
}

static char *find_repo_root(void)
{
	const char *env = getenv("SBX_ROOT");
	if (env && *env)
		return xstrdup(env);
	char *exe = self_exe();
	if (exe) {
		char *slash;
		while ((slash = strrchr(exe, '/')) != NULL && slash != exe) {
			*slash = '\0';
			if (is_repo_root(exe))
				return exe;
		}
		free(exe);
	}
	char *cwd = getcwd(NULL, 0);
	return cwd ? cwd : xstrdup(".");
}

static int env_overridden(const char *entry)
{
	static const char *const ours[] = { "PYTHONPATH=", "MPLBACKEND=", "PYTHONDONTWRITEBYTECODE=" };
	for (size_t i = 0; i < N(ours); i++)
		if (strncmp(entry, ours[i], strlen(ours[i])) == 0)
			return 1;
	return 0;
}

/* Run tests/unit/charts/<name> and return its stdout (caller frees).
 * Python's stderr goes to ours, so a traceback explains a failure. */
static char *run_fixture(const char *name)
{
	char *script = xasprintf("%s/tests/unit/charts/%s", g_root, name);
	char *pythonpath = xasprintf("PYTHONPATH=%s/vm/python", g_root);
	size_t count = 0;
	while (environ[count])
		count++;
	char **envp = xcalloc(count + 4, sizeof *envp);
	size_t k = 0;
	for (size_t i = 0; i < count; i++)
		if (!env_overridden(environ[i]))
			envp[k++] = environ[i];
	envp[k++] = pythonpath;
	envp[k++] = "MPLBACKEND=Agg";
	envp[k++] = "PYTHONDONTWRITEBYTECODE=1"; /* keep __pycache__ out of the tree */
	envp[k] = NULL;

	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		char *argv[] = { PYTHON, script, NULL };
		execve(PYTHON, argv, envp);
		fprintf(stderr, "exec %s: %s\n", PYTHON, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	sbx_buf out = SBX_BUF_INIT;
	char chunk[4096];
	for (;;) {
		ssize_t got = read(fds[0], chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		buf_append(&out, chunk, (size_t)got);
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	free(envp);
	free(pythonpath);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		print_error("%s failed (wait status %d)\n", script, status);
		buf_free(&out);
		free(script);
		fail();
	}
	free(script);
	/* One line of JSON: drop the newline for exact comparisons. */
	while (out.len > 0 && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == '\r'))
		out.data[--out.len] = '\0';
	return buf_detach(&out);
}

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *root = json_loads(text, 0, &err);
	if (!root)
		fail_msg("invalid JSON (%s at %d): %s", err.text, err.position, text);
	return root;
}

/* ------------------------------------------------------------ JSON checks */

static json_t *get(json_t *obj, const char *key)
{
	assert_true(json_is_object(obj));
	json_t *v = json_object_get(obj, key);
	if (!v)
		fail_msg("missing key \"%s\"", key);
	return v;
}

static json_t *at(json_t *arr, size_t i)
{
	assert_true(json_is_array(arr));
	if (i >= json_array_size(arr))
		fail_msg("index %zu beyond array of %zu", i, json_array_size(arr));
	return json_array_get(arr, i);
}

/* A string field, or with want == NULL a field that is present and null. */
static void expect_str(json_t *obj, const char *key, const char *want)
{
	json_t *v = get(obj, key);
	if (!want) {
		if (!json_is_null(v))
			fail_msg("\"%s\" should be null", key);
		return;
	}
	if (!json_is_string(v))
		fail_msg("\"%s\" should be a string", key);
	assert_string_equal(json_string_value(v), want);
}

/* A JSON real (Python float: "100.0", never "100") with exactly this value. */
static void expect_real(json_t *v, double want, const char *what)
{
	if (!json_is_real(v))
		fail_msg("%s should be a real number", what);
	if (!(json_real_value(v) == want))
		fail_msg("%s: %.17g, expected %.17g", what, json_real_value(v), want);
}

static void expect_real_field(json_t *obj, const char *key, double want)
{
	expect_real(get(obj, key), want, key);
}

static void expect_keys(json_t *obj, const char *const *keys, size_t n)
{
	assert_true(json_is_object(obj));
	assert_int_equal(json_object_size(obj), n);
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		(void)v;
		assert_string_equal(key, keys[i]);
		i++;
	}
}

static void expect_reals(json_t *arr, const double *want, size_t n, const char *what)
{
	assert_true(json_is_array(arr));
	if (json_array_size(arr) != n)
		fail_msg("%s: %zu values, expected %zu", what, json_array_size(arr), n);
	for (size_t i = 0; i < n; i++)
		expect_real(json_array_get(arr, i), want[i], what);
}

static void expect_strs(json_t *arr, const char *const *want, size_t n)
{
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), n);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);
		assert_true(json_is_string(v));
		assert_string_equal(json_string_value(v), want[i]);
	}
}

/* points == [[x0,y0],[x1,y1],...] with numeric coordinates. */
static void expect_points(json_t *element, const double *xy, size_t npoints)
{
	json_t *points = get(element, "points");
	assert_int_equal(json_array_size(points), npoints);
	for (size_t i = 0; i < npoints; i++) {
		json_t *p = at(points, i);
		assert_int_equal(json_array_size(p), 2);
		expect_real(at(p, 0), xy[2 * i], "point x");
		expect_real(at(p, 1), xy[2 * i + 1], "point y");
	}
}

static const char *const POINT_CHART_KEYS[] = {
	"type", "title", "elements", "x_label", "y_label", "x_unit", "y_unit",
	"x_ticks", "x_tick_labels", "x_scale", "y_ticks", "y_tick_labels", "y_scale",
};
static const char *const CHART2D_KEYS[] = {
	"type", "title", "elements", "x_label", "y_label", "x_unit", "y_unit",
};
static const char *const BASE_KEYS[] = { "type", "title", "elements" };

static void expect_labels(json_t *c, const char *x, const char *y, const char *xu, const char *yu)
{
	expect_str(c, "x_label", x);
	expect_str(c, "y_label", y);
	expect_str(c, "x_unit", xu);
	expect_str(c, "y_unit", yu);
}

/* ------------------------------------------------------------ §3.10 cases */

static void test_line(void **state)
{
	(void)state;
	char *text = run_fixture("line.py");
	assert_string_equal(text,
		"{\"type\":\"line\",\"title\":\"Quadratic\","
		"\"elements\":[{\"label\":\"y = x^2\",\"points\":[[0.0,0.0],[1.0,1.0],[2.0,4.0],[3.0,9.0]]}],"
		"\"x_label\":\"Time (s)\",\"y_label\":\"Distance [m]\",\"x_unit\":\"s\",\"y_unit\":\"m\","
		"\"x_ticks\":[-0.5,0.0,0.5,1.0,1.5,2.0,2.5,3.0,3.5],"
		"\"x_tick_labels\":[\"" MINUS "0.5\",\"0.0\",\"0.5\",\"1.0\",\"1.5\",\"2.0\",\"2.5\",\"3.0\",\"3.5\"],"
		"\"x_scale\":\"linear\","
		"\"y_ticks\":[-2.0,0.0,2.0,4.0,6.0,8.0,10.0],"
		"\"y_tick_labels\":[\"" MINUS "2\",\"0\",\"2\",\"4\",\"6\",\"8\",\"10\"],\"y_scale\":\"linear\"}");
	json_t *c = parse(text);
	expect_keys(c, POINT_CHART_KEYS, N(POINT_CHART_KEYS));
	expect_str(c, "type", "line");
	expect_str(c, "title", "Quadratic");
	expect_labels(c, "Time (s)", "Distance [m]", "s", "m");
	json_t *elements = get(c, "elements");
	assert_int_equal(json_array_size(elements), 1);
	static const char *const element_keys[] = { "label", "points" };
	expect_keys(at(elements, 0), element_keys, 2);
	expect_str(at(elements, 0), "label", "y = x^2");
	static const double pts[] = { 0, 0, 1, 1, 2, 4, 3, 9 };
	expect_points(at(elements, 0), pts, 4);
	static const double xt[] = { -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5 };
	expect_reals(get(c, "x_ticks"), xt, N(xt), "x_ticks");
	static const char *const xl[] = { MINUS "0.5", "0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5" };
	expect_strs(get(c, "x_tick_labels"), xl, N(xl));
	static const double yt[] = { -2, 0, 2, 4, 6, 8, 10 };
	expect_reals(get(c, "y_ticks"), yt, N(yt), "y_ticks");
	static const char *const yl[] = { MINUS "2", "0", "2", "4", "6", "8", "10" };
	expect_strs(get(c, "y_tick_labels"), yl, N(yl));
	expect_str(c, "x_scale", "linear");
	expect_str(c, "y_scale", "linear");
	json_decref(c);
	free(text);
}

static void test_line_dates(void **state)
{
	(void)state;
	char *text = run_fixture("line_dates.py");
	json_t *c = parse(text);
	expect_keys(c, POINT_CHART_KEYS, N(POINT_CHART_KEYS));
	expect_str(c, "type", "line");
	expect_str(c, "title", NULL);
	expect_labels(c, NULL, NULL, NULL, NULL);
	json_t *el = at(get(c, "elements"), 0);
	expect_str(el, "label", "temp");
	json_t *points = get(el, "points");
	static const char *const days[] = { "2024-01-01", "2024-01-02", "2024-01-03" };
	static const double temps[] = { 3.5, 4.0, 2.5 };
	assert_int_equal(json_array_size(points), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(json_string_value(at(at(points, i), 0)), days[i]);
		expect_real(at(at(points, i), 1), temps[i], "temperature");
	}
	expect_str(c, "x_scale", "datetime");
	json_t *xt = get(c, "x_ticks");
	assert_true(json_array_size(xt) >= 3);
	assert_string_equal(json_string_value(at(xt, 0)), "2024-01-01T00:00:00+00:00");
	assert_string_equal(json_string_value(at(xt, 1)), "2024-01-01T06:00:00+00:00");
	json_t *xl = get(c, "x_tick_labels");
	assert_int_equal(json_array_size(xl), json_array_size(xt));
	assert_string_equal(json_string_value(at(xl, 0)), "01-01 00");
	assert_string_equal(json_string_value(at(xl, 1)), "01-01 06");
	static const double yt[] = { 2.4000000000000004, 2.6000000000000005 };
	expect_real(at(get(c, "y_ticks"), 0), yt[0], "y_ticks[0]");
	expect_real(at(get(c, "y_ticks"), 1), yt[1], "y_ticks[1]");
	assert_string_equal(json_string_value(at(get(c, "y_tick_labels"), 0)), "2.4");
	assert_string_equal(json_string_value(at(get(c, "y_tick_labels"), 1)), "2.6");
	expect_str(c, "y_scale", "linear");
	json_decref(c);
	free(text);
}

static void test_line_categorical(void **state)
{
	(void)state;
	char *text = run_fixture("line_categorical.py");
	json_t *c = parse(text);
	expect_keys(c, POINT_CHART_KEYS, N(POINT_CHART_KEYS));
	static const double xt[] = { 0, 1, 2 };
	expect_reals(get(c, "x_ticks"), xt, 3, "x_ticks");
	static const char *const xl[] = { "a", "b", "c" };
	expect_strs(get(c, "x_tick_labels"), xl, 3);
	expect_str(c, "x_scale", "categorical");
	expect_str(c, "y_scale", "linear");
	json_t *el = at(get(c, "elements"), 0);
	expect_str(el, "label", "Line 0"); /* _child0 renamed */
	json_t *points = get(el, "points");
	static const double ys[] = { 1, 3, 2 };
	assert_int_equal(json_array_size(points), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(json_string_value(at(at(points, i), 0)), xl[i]);
		expect_real(at(at(points, i), 1), ys[i], "y");
	}
	json_decref(c);
	free(text);
}

static void test_line_log(void **state)
{
	(void)state;
	char *text = run_fixture("line_log.py");
	json_t *c = parse(text);
	expect_keys(c, POINT_CHART_KEYS, N(POINT_CHART_KEYS));
	expect_str(c, "x_scale", "log");
	expect_str(c, "y_scale", "linear");
	static const double pts[] = { 1, 1, 10, 2, 100, 3 };
	expect_points(at(get(c, "elements"), 0), pts, 3);
	json_t *xt = get(c, "x_ticks");
	assert_int_equal(json_array_size(xt), json_array_size(get(c, "x_tick_labels")));
	expect_real(at(xt, 2), 1.0, "x_ticks[2]");
	expect_real(at(xt, 3), 10.0, "x_ticks[3]");
	json_decref(c);
	free(text);
}

static void test_scatter(void **state)
{
	(void)state;
	char *text = run_fixture("scatter.py");
	json_t *c = parse(text);
	expect_keys(c, POINT_CHART_KEYS, N(POINT_CHART_KEYS));
	expect_str(c, "type", "scatter");
	expect_str(c, "title", NULL);
	expect_labels(c, "A", "B", NULL, NULL);
	json_t *elements = get(c, "elements");
	assert_int_equal(json_array_size(elements), 2);
	expect_str(at(elements, 0), "label", "Dataset 1");
	static const double p1[] = { 0.1, 0.2, 0.5, 0.4, 0.9, 0.8 };
	expect_points(at(elements, 0), p1, 3);
	expect_str(at(elements, 1), "label", "Dataset 2");
	static const double p2[] = { 0.3, 0.6, 0.7, 0.1 };
	expect_points(at(elements, 1), p2, 2);
	for (int axis = 0; axis < 2; axis++) {
		json_t *ticks = get(c, axis ? "y_ticks" : "x_ticks");
		json_t *labels = get(c, axis ? "y_tick_labels" : "x_tick_labels");
		static const double t[] = { 0.0, 0.1, 0.2 };
		static const char *const l[] = { "0.0", "0.1", "0.2" };
		for (size_t i = 0; i < 3; i++) {
			expect_real(at(ticks, i), t[i], "tick");
			assert_string_equal(json_string_value(at(labels, i)), l[i]);
		}
		expect_str(c, axis ? "y_scale" : "x_scale", "linear");
	}
	json_decref(c);
	free(text);
}

static void test_bar(void **state)
{
	(void)state;
	char *text = run_fixture("bar.py");
	assert_string_equal(text,
		"{\"type\":\"bar\",\"title\":\"Book Sales by Authors\",\"elements\":["
		"{\"label\":\"Author A\",\"group\":\"Books Sold\",\"value\":100.0},"
		"{\"label\":\"Author B\",\"group\":\"Books Sold\",\"value\":200.0},"
		"{\"label\":\"Author C\",\"group\":\"Books Sold\",\"value\":300.0},"
		"{\"label\":\"Author D\",\"group\":\"Books Sold\",\"value\":400.0}],"
		"\"x_label\":\"Authors\",\"y_label\":\"Number of Books Sold\",\"x_unit\":null,\"y_unit\":null}");
	json_t *c = parse(text);
	expect_keys(c, CHART2D_KEYS, N(CHART2D_KEYS));
	expect_str(c, "type", "bar");
	expect_str(c, "title", "Book Sales by Authors");
	expect_labels(c, "Authors", "Number of Books Sold", NULL, NULL);
	json_t *elements = get(c, "elements");
	assert_int_equal(json_array_size(elements), 4);
	static const char *const labels[] = { "Author A", "Author B", "Author C", "Author D" };
	static const char *const bar_keys[] = { "label", "group", "value" };
	for (size_t i = 0; i < 4; i++) {
		json_t *bar = at(elements, i);
		expect_keys(bar, bar_keys, 3);
		expect_str(bar, "label", labels[i]);
		expect_str(bar, "group", "Books Sold");
		expect_real_field(bar, "value", 100.0 * (double)(i + 1));
	}
	json_decref(c);
	free(text);
}

static void test_barh(void **state)
{
	(void)state;
	char *text = run_fixture("barh.py");
	assert_string_equal(text,
		"{\"type\":\"bar\",\"title\":null,\"elements\":["
		"{\"label\":\"x\",\"group\":\"Group 0\",\"value\":3.0},"
		"{\"label\":\"y\",\"group\":\"Group 0\",\"value\":5.0}],"
		"\"x_label\":\"Name\",\"y_label\":\"Value\",\"x_unit\":null,\"y_unit\":null}");
	json_t *c = parse(text);
	expect_keys(c, CHART2D_KEYS, N(CHART2D_KEYS));
	expect_str(c, "title", NULL);
	/* xlabel "Value", ylabel "Name" on the figure: E2B swaps them. */
	expect_labels(c, "Name", "Value", NULL, NULL);
	json_t *elements = get(c, "elements");
	assert_int_equal(json_array_size(elements), 2);
	expect_str(at(elements, 0), "label", "x");
	expect_str(at(elements, 0), "group", "Group 0");
	expect_real_field(at(elements, 0), "value", 3.0);
	expect_str(at(elements, 1), "label", "y");
	expect_real_field(at(elements, 1), "value", 5.0);
	json_decref(c);
	free(text);
}

static void test_pie(void **state)
{
	(void)state;
	char *text = run_fixture("pie.py");
	assert_string_equal(text,
		"{\"type\":\"pie\",\"title\":\"Will I wake up early tomorrow?\",\"elements\":["
		"{\"label\":\"No\",\"angle\":324.0,\"radius\":1.0},"
		"{\"label\":\"No, in blue\",\"angle\":36.0,\"radius\":1.0}]}");
	json_t *c = parse(text);
	expect_keys(c, BASE_KEYS, N(BASE_KEYS));
	json_t *elements = get(c, "elements");
	static const char *const pie_keys[] = { "label", "angle", "radius" };
	expect_keys(at(elements, 0), pie_keys, 3);
	expect_str(at(elements, 0), "label", "No");
	expect_real_field(at(elements, 0), "angle", 324.0);
	expect_real_field(at(elements, 0), "radius", 1.0);
	expect_str(at(elements, 1), "label", "No, in blue");
	expect_real_field(at(elements, 1), "angle", 36.0);
	json_decref(c);
	free(text);
}

static void test_box_and_whisker(void **state)
{
	(void)state;
	char *text = run_fixture("box.py");
	assert_string_equal(text,
		"{\"type\":\"box_and_whisker\",\"title\":\"Exam Scores Distribution\",\"elements\":["
		"{\"label\":\"Class A\",\"min\":78.0,\"first_quartile\":85.0,\"median\":88.0,"
		"\"third_quartile\":90.0,\"max\":92.0,\"outliers\":[]},"
		"{\"label\":\"Class B\",\"min\":84.0,\"first_quartile\":84.75,\"median\":88.0,"
		"\"third_quartile\":90.5,\"max\":95.0,\"outliers\":[76.0]},"
		"{\"label\":\"Class C\",\"min\":75.0,\"first_quartile\":79.0,\"median\":82.0,"
		"\"third_quartile\":86.0,\"max\":88.0,\"outliers\":[]}],"
		"\"x_label\":\"Class\",\"y_label\":\"Score\",\"x_unit\":null,\"y_unit\":null}");
	json_t *c = parse(text);
	expect_keys(c, CHART2D_KEYS, N(CHART2D_KEYS));
	expect_labels(c, "Class", "Score", NULL, NULL);
	static const char *const box_keys[] = {
		"label", "min", "first_quartile", "median", "third_quartile", "max", "outliers",
	};
	static const struct { const char *label; double v[5]; size_t outliers; } want[] = {
		{ "Class A", { 78, 85, 88, 90, 92 }, 0 },
		{ "Class B", { 84, 84.75, 88, 90.5, 95 }, 1 },
		{ "Class C", { 75, 79, 82, 86, 88 }, 0 },
	};
	json_t *elements = get(c, "elements");
	assert_int_equal(json_array_size(elements), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *box = at(elements, i);
		expect_keys(box, box_keys, N(box_keys));
		expect_str(box, "label", want[i].label);
		for (size_t f = 0; f < 5; f++)
			expect_real_field(box, box_keys[f + 1], want[i].v[f]);
		assert_int_equal(json_array_size(get(box, "outliers")), want[i].outliers);
	}
	expect_real(at(get(at(elements, 1), "outliers"), 0), 76.0, "outlier");
	json_decref(c);
	free(text);
}

static void test_superchart(void **state)
{
	(void)state;
	char *text = run_fixture("superchart.py");
	json_t *c = parse(text);
	expect_keys(c, BASE_KEYS, N(BASE_KEYS));
	expect_str(c, "type", "superchart");
	expect_str(c, "title", "Multiple Charts Example");
	json_t *elements = get(c, "elements");
	assert_int_equal(json_array_size(elements), 2);

	json_t *line = at(elements, 0);
	expect_keys(line, POINT_CHART_KEYS, N(POINT_CHART_KEYS));
	expect_str(line, "type", "line");
	expect_str(line, "title", "Sine Wave");
	expect_labels(line, NULL, NULL, NULL, NULL);
	expect_str(at(get(line, "elements"), 0), "label", "Line 0");
	static const double lp[] = { 0, 0, 1, 1, 2, 0 };
	expect_points(at(get(line, "elements"), 0), lp, 3);
	static const double lxt[] = { -0.5, 0, 0.5, 1, 1.5, 2, 2.5 };
	expect_reals(get(line, "x_ticks"), lxt, N(lxt), "x_ticks");
	static const char *const lxl[] = { MINUS "0.5", "0.0", "0.5", "1.0", "1.5", "2.0", "2.5" };
	expect_strs(get(line, "x_tick_labels"), lxl, N(lxl));
	static const double lyt[] = { -0.2, 0.0, 0.2, 0.4000000000000001 };
	static const char *const lyl[] = { MINUS "0.2", "0.0", "0.2", "0.4" };
	for (size_t i = 0; i < N(lyt); i++) {
		expect_real(at(get(line, "y_ticks"), i), lyt[i], "y_ticks");
		assert_string_equal(json_string_value(at(get(line, "y_tick_labels"), i)), lyl[i]);
	}

	json_t *scatter = at(elements, 1);
	expect_keys(scatter, POINT_CHART_KEYS, N(POINT_CHART_KEYS));
	expect_str(scatter, "type", "scatter");
	expect_str(scatter, "title", "Scatter Plot");
	expect_labels(scatter, "X", "Y", NULL, NULL);
	expect_str(at(get(scatter, "elements"), 0), "label", "Dataset 1");
	static const double sp[] = { 1, 3, 2, 4 };
	expect_points(at(get(scatter, "elements"), 0), sp, 2);
	expect_real(at(get(scatter, "x_ticks"), 0), 0.75, "x_ticks[0]");
	expect_real(at(get(scatter, "x_ticks"), 1), 1.0, "x_ticks[1]");
	assert_string_equal(json_string_value(at(get(scatter, "x_tick_labels"), 0)), "0.75");
	assert_string_equal(json_string_value(at(get(scatter, "x_tick_labels"), 1)), "1.00");
	expect_real(at(get(scatter, "y_ticks"), 0), 2.8000000000000003, "y_ticks[0]");
	assert_string_equal(json_string_value(at(get(scatter, "y_tick_labels"), 0)), "2.8");
	json_decref(c);
	free(text);
}

static void test_superchart_untitled(void **state)
{
	(void)state;
	char *text = run_fixture("superchart_untitled.py");
	json_t *c = parse(text);
	expect_keys(c, BASE_KEYS, N(BASE_KEYS));
	expect_str(c, "type", "superchart");
	expect_str(c, "title", ""); /* get_suptitle() of an unset suptitle */
	json_t *elements = get(c, "elements");
	assert_int_equal(json_array_size(elements), 2);
	expect_str(at(elements, 0), "type", "line");
	expect_str(at(elements, 1), "type", "bar");
	expect_keys(at(elements, 1), CHART2D_KEYS, N(CHART2D_KEYS));
	expect_str(at(get(at(elements, 1), "elements"), 1), "label", "q");
	json_decref(c);
	free(text);
}

static void test_unknown(void **state)
{
	(void)state;
	char *text = run_fixture("unknown.py");
	assert_string_equal(text, "{\"type\":\"unknown\",\"title\":\"Two Concentric Circles\",\"elements\":[]}");
	json_t *c = parse(text);
	expect_keys(c, BASE_KEYS, N(BASE_KEYS));
	assert_int_equal(json_array_size(get(c, "elements")), 0);
	json_decref(c);
	free(text);
}

static void test_blank(void **state)
{
	(void)state;
	char *text = run_fixture("blank.py");
	assert_string_equal(text, "{}");
	json_t *c = parse(text);
	assert_true(json_is_object(c));
	assert_int_equal(json_object_size(c), 0);
	json_decref(c);
	free(text);
}

/* ------------------------------------------------------------ beyond charts */

static void test_dataframe(void **state)
{
	(void)state;
	char *text = run_fixture("dataframe.py");
	assert_string_equal(text,
		"{\"name\":[\"a\",\"b\",null],\"count\":[1,2,3],\"ratio\":[0.5,null,1.25],"
		"\"when\":[\"2024-01-01T00:00:00\",null,\"2024-03-04T05:06:07\"],\"7\":[true,false,true]}");
	json_t *d = parse(text);
	static const char *const columns[] = { "name", "count", "ratio", "when", "7" };
	expect_keys(d, columns, N(columns));
	assert_true(json_is_null(at(get(d, "ratio"), 1)));
	assert_true(json_is_null(at(get(d, "when"), 1)));
	assert_int_equal(json_integer_value(at(get(d, "count"), 2)), 3);
	assert_true(json_is_true(at(get(d, "7"), 0)));
	json_decref(d);
	free(text);
}

/* ["a", "b"] where NULL stands for JSON null. */
static void expect_pair(json_t *arr, const char *a, const char *b)
{
	assert_int_equal(json_array_size(arr), 2);
	const char *want[2] = { a, b };
	for (size_t i = 0; i < 2; i++) {
		json_t *v = at(arr, i);
		if (!want[i])
			assert_true(json_is_null(v));
		else
			assert_string_equal(json_string_value(v), want[i]);
	}
}

static void expect_bool(json_t *obj, const char *key, int want)
{
	json_t *v = get(obj, key);
	if (!json_is_boolean(v))
		fail_msg("\"%s\" should be a boolean", key);
	assert_int_equal(json_is_true(v), want);
}

/* The compact serialisation of v (jansson keeps key order). */
static void expect_dump(json_t *v, const char *want)
{
	char *got = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_env_push_pop(void **state)
{
	(void)state;
	char *text = run_fixture("env.py");
	json_t *s = parse(text);
	expect_pair(get(s, "after_push1"), "v1", "n1");
	expect_pair(get(s, "after_push2"), "v1", "n2");
	expect_bool(s, "pop2", 1);
	expect_pair(get(s, "after_pop2"), "v1", "n1");
	expect_bool(s, "pop1", 1);
	expect_pair(get(s, "after_pop1"), "old", NULL); /* restored, and unset again */
	expect_bool(s, "new_absent", 1);
	expect_bool(s, "pop_empty", 0);
	expect_bool(s, "bad_rejected", 1);
	expect_str(s, "after_bad", "old");              /* nothing applied */
	expect_bool(s, "pop_after_bad", 0);             /* nothing pushed */
	json_decref(s);
	free(text);
}

static void test_ipython_shell(void **state)
{
	(void)state;
	char *text = run_fixture("ipython_shell.py");
	json_t *r = parse(text);

	/* Loading is cheap and imports no heavy library. */
	expect_dump(get(r, "heavy_after_load"), "[]");

	/* A Figure: text/plain + e2b/chart; with the inline backend also image/png. */
	expect_dump(get(r, "plain_keys"), "[\"e2b/chart\",\"text/plain\"]");
	expect_str(r, "plain_chart_type", "line");
	expect_dump(get(r, "inline_keys"), "[\"e2b/chart\",\"image/png\",\"text/plain\"]");
	json_t *chart = get(r, "inline_chart");
	expect_keys(chart, POINT_CHART_KEYS, N(POINT_CHART_KEYS));
	expect_str(at(get(chart, "elements"), 0), "label", "v");
	expect_bool(r, "png_is_base64_text", 1);
	expect_str(r, "suptitle_unset", "");
	expect_str(r, "suptitle_set", "Top");

	/* A failing extraction: {} in the bundle, logged to process stderr only. */
	expect_dump(get(r, "broken_chart"), "{}");
	expect_bool(r, "broken_logged", 1);
	expect_str(r, "broken_cell_stderr", "");

	/* application/json for dicts/lists (numpy converted, NaN -> null). */
	expect_dump(get(r, "json"), "{\"a\":1,\"b\":[0,1,2],\"c\":null,\"5\":[1.5,null,true]}");
	expect_dump(get(r, "json_md"), "{\"expanded\":true}");
	expect_dump(get(r, "json_unserialisable_keys"), "[\"text/plain\"]");
	expect_bool(r, "json_for_str", 0);

	/* e2b/data for a DataFrame. */
	expect_dump(get(r, "dataframe"), "{\"x\":[1,2],\"t\":[\"2024-01-01T00:00:00\",null]}");

	/* PIL: save() to a path and show() each display once; no external viewer. */
	expect_dump(get(r, "pil_save_published"), "[[\"image/png\",\"text/plain\"]]");
	expect_dump(get(r, "pil_show_published"), "[[\"image/png\",\"text/plain\"]]");
	assert_int_equal(json_integer_value(get(r, "pil_unix_show_file")), 0);
	assert_int_equal(json_integer_value(get(r, "savefig_published")), 0);

	/* plotly pinned to the mimetype renderer. */
	expect_str(r, "plotly_renderer", "plotly_mimetype");
	json_decref(r);
	free(text);
}

/* ------------------------------------------------------------ runner */

static int setup(void **state)
{
	(void)state;
	g_root = find_repo_root();
	if (access(PYTHON, X_OK) != 0) {
		fprintf(stderr, "%s is missing\n", PYTHON);
		return -1;
	}
	if (!is_repo_root(g_root)) {
		fprintf(stderr, "no vm/python/sbx_e2b under %s; set SBX_ROOT\n", g_root);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(g_root);
	g_root = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_line_dates),
		cmocka_unit_test(test_line_categorical),
		cmocka_unit_test(test_line_log),
		cmocka_unit_test(test_scatter),
		cmocka_unit_test(test_bar),
		cmocka_unit_test(test_barh),
		cmocka_unit_test(test_pie),
		cmocka_unit_test(test_box_and_whisker),
		cmocka_unit_test(test_superchart),
		cmocka_unit_test(test_superchart_untitled),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_blank),
		cmocka_unit_test(test_dataframe),
		cmocka_unit_test(test_env_push_pop),
		cmocka_unit_test(test_ipython_shell),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
