/* ui/model chartdata: E2B chart JSON (docs/protocol.md §7; the inputs are
 * real extractor output) and DataFrame data as text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "../../ui/model/chartdata.h"

static char *render(const char *json, int *rc)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	assert_non_null(j);
	sbx_buf b = SBX_BUF_INIT;
	sbx_err e = { "" };
	*rc = chartdata_text(j, &b, &e);
	json_decref(j);
	if (*rc < 0) {
		buf_free(&b);
		return strdup(e.msg);
	}
	return buf_detach(&b);
}

static void test_line(void **state)
{
	(void)state;
	int rc;
	char *s = render("{\"type\":\"line\",\"title\":\"Quadratic\","
			 "\"elements\":[{\"label\":\"y = x^2\",\"points\":[[0.0,0.0],[1.0,1.0],[2.0,4.0],[3.0,9.0]]}],"
			 "\"x_label\":\"Time (s)\",\"y_label\":\"Distance [m]\",\"x_unit\":\"s\",\"y_unit\":\"m\","
			 "\"x_ticks\":[-0.5,0.0],\"x_tick_labels\":[\"\\u22120.5\",\"0.0\"],\"x_scale\":\"linear\","
			 "\"y_ticks\":[0.4000000000000001],\"y_tick_labels\":[\"0.4\"],\"y_scale\":\"log\"}",
			 &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "Line chart: Quadratic\n"
			       "  x axis: Time (s), unit s, linear scale\n"
			       "  y axis: Distance [m], unit m, log scale\n"
			       "  y = x^2 (4 points)\n"
			       "    0, 0\n"
			       "    1, 1\n"
			       "    2, 4\n"
			       "    3, 9\n");
	free(s);
}

static void test_dates_and_noise(void **state)
{
	(void)state;
	int rc;
	char *s = render("{\"type\":\"scatter\",\"title\":null,\"elements\":[{\"label\":\"temp\","
			 "\"points\":[[\"2024-01-01\",3.5],[\"2024-01-02\",0.4000000000000001]]}],"
			 "\"x_label\":null,\"y_label\":null,\"x_unit\":null,\"y_unit\":null,"
			 "\"x_scale\":\"datetime\",\"y_scale\":\"linear\"}",
			 &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "Scatter plot\n"
			       "  x axis: (no label), datetime scale\n"
			       "  y axis: (no label), linear scale\n"
			       "  temp (2 points)\n"
			       "    2024-01-01, 3.5\n"
			       "    2024-01-02, 0.4\n");
	free(s);
}

static void test_bar_pie_box(void **state)
{
	(void)state;
	int rc;
	char *s = render("{\"type\":\"bar\",\"title\":\"Book Sales\",\"elements\":["
			 "{\"label\":\"Author A\",\"group\":\"Books Sold\",\"value\":100.0},"
			 "{\"label\":\"Author B\",\"group\":\"Books Sold\",\"value\":200.5}],"
			 "\"x_label\":\"Authors\",\"y_label\":\"Number\",\"x_unit\":null,\"y_unit\":null}",
			 &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "Bar chart: Book Sales\n"
			       "  x axis: Authors\n"
			       "  y axis: Number\n"
			       "  Author A [Books Sold]: 100\n"
			       "  Author B [Books Sold]: 200.5\n");
	free(s);
	s = render("{\"type\":\"pie\",\"title\":\"Wake up?\",\"elements\":["
		   "{\"label\":\"No\",\"angle\":324.0,\"radius\":1.0},"
		   "{\"label\":\"Yes\",\"angle\":36.0,\"radius\":0.5}]}",
		   &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "Pie chart: Wake up?\n"
			       "  No: 324° (90.0%)\n"
			       "  Yes: 36° (10.0%), radius 0.5\n");
	free(s);
	s = render("{\"type\":\"box_and_whisker\",\"title\":\"Scores\",\"elements\":["
		   "{\"label\":\"B\",\"min\":84.0,\"first_quartile\":84.75,\"median\":88.0,"
		   "\"third_quartile\":90.5,\"max\":95.0,\"outliers\":[76.0,70]}],"
		   "\"x_label\":\"Class\",\"y_label\":\"Score\",\"x_unit\":null,\"y_unit\":null}",
		   &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "Box plot: Scores\n"
			       "  x axis: Class\n"
			       "  y axis: Score\n"
			       "  B: min 84 Q1 84.75 median 88 Q3 90.5 max 95, outliers 76, 70\n");
	free(s);
}

static void test_superchart_unknown_empty(void **state)
{
	(void)state;
	int rc;
	char *s = render("{\"type\":\"superchart\",\"title\":\"Two\",\"elements\":["
			 "{\"type\":\"unknown\",\"title\":\"Circles\",\"elements\":[]},"
			 "{\"type\":\"bar\",\"title\":null,\"elements\":[{\"label\":\"x\",\"group\":\"Group 0\",\"value\":3.0}],"
			 "\"x_label\":null,\"y_label\":null,\"x_unit\":null,\"y_unit\":null}]}",
			 &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "Figure: Two\n"
			       "  Chart of an unknown kind: Circles\n"
			       "    (no data)\n"
			       "  Bar chart\n"
			       "    x [Group 0]: 3\n");
	free(s);
	s = render("{}", &rc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(s, "no data"));
	free(s);
	s = render("[1,2]", &rc);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(s, "not an E2B chart"));
	free(s);
}

static void test_table(void **state)
{
	(void)state;
	json_t *j = json_loads("{\"name\":[\"ann\",\"bob\",\"a very long name that does not fit in thirty\"],"
			       "\"age\":[31,4.5,null]}", JSON_PRESERVE_ORDER, NULL);
	assert_non_null(j);
	sbx_buf b = SBX_BUF_INIT;
	assert_int_equal(chartdata_table(j, 0, &b, NULL), 0);
	assert_string_equal(buf_cstr(&b), "                             name  age\n"
					  "0                             ann   31\n"
					  "1                             bob  4.5\n"
					  "2  a very long name that does no…     \n");
	buf_reset(&b);
	assert_int_equal(chartdata_table(j, 1, &b, NULL), 0);
	assert_string_equal(buf_cstr(&b), "   name  age\n"
					  "0   ann   31\n"
					  "... 2 more rows (3 rows x 2 columns)\n");
	buf_free(&b);
	json_decref(j);
	j = json_loads("{\"a\":3}", 0, NULL);
	sbx_err e;
	sbx_buf c = SBX_BUF_INIT;
	assert_int_equal(chartdata_table(j, 0, &c, &e), -1);
	assert_non_null(strstr(e.msg, "\"a\" is not a list"));
	buf_free(&c);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_dates_and_noise),
		cmocka_unit_test(test_bar_pie_box),
		cmocka_unit_test(test_superchart_unknown_empty),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests_name("ui_chartdata", tests, NULL, NULL);
}
