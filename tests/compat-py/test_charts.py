"""Charts: matplotlib figures come back as a PNG plus result.chart with the
data E2B extracts (the examples of E2B's "charts & visualizations" docs)."""
import base64

from e2b_code_interpreter.charts import ChartType, ScaleType

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def one_chart(sbx, code):
    ex = sbx.run_code(code)
    assert ex.error is None, ex.error and ex.error.traceback
    assert len(ex.results) == 1, [r.formats() for r in ex.results]
    r = ex.results[0]
    assert r.is_main_result is False
    assert r.png and base64.b64decode(r.png).startswith(PNG_MAGIC), "a base64 PNG"
    assert r.chart is not None, f"no chart; formats {r.formats()}"
    return r.chart


def test_bar_chart(sbx):
    chart = one_chart(sbx, """
import matplotlib.pyplot as plt
authors = ['Author A', 'Author B', 'Author C', 'Author D']
sales = [100, 200, 300, 400]
plt.figure(figsize=(10, 6))
plt.bar(authors, sales, label='Books Sold', color='blue')
plt.xlabel('Authors')
plt.ylabel('Number of Books Sold')
plt.title('Book Sales by Authors')
plt.show()
""")
    assert chart.type == ChartType.BAR
    assert (chart.title, chart.x_label, chart.y_label) == (
        "Book Sales by Authors", "Authors", "Number of Books Sold")
    assert [(e.label, e.group, e.value) for e in chart.elements] == [
        ("Author A", "Books Sold", 100), ("Author B", "Books Sold", 200),
        ("Author C", "Books Sold", 300), ("Author D", "Books Sold", 400)]


def test_line_chart(sbx):
    chart = one_chart(sbx, """
import numpy as np
import matplotlib.pyplot as plt
x = np.linspace(0, 10, 5)
plt.plot(x, x * 2, label='double')
plt.plot(x, x + 1, label='plus one')
plt.title('Lines')
plt.xlabel('x [s]')
plt.ylabel('y [m]')
plt.legend()
plt.show()
""")
    assert chart.type == ChartType.LINE
    assert chart.title == "Lines"
    assert (chart.x_label, chart.x_unit, chart.y_label, chart.y_unit) == ("x [s]", "s", "y [m]", "m")
    assert chart.x_scale == ScaleType.LINEAR
    assert [e.label for e in chart.elements] == ["double", "plus one"]
    xs = [0, 2.5, 5, 7.5, 10]
    assert chart.elements[0].points == [(x, x * 2) for x in xs]
    assert chart.elements[1].points == [(x, x + 1) for x in xs]
    assert chart.x_ticks and chart.x_tick_labels and len(chart.x_ticks) == len(chart.x_tick_labels)


def test_scatter_chart(sbx):
    chart = one_chart(sbx, """
import matplotlib.pyplot as plt
plt.scatter([1, 2, 3], [4, 5, 6], label='A')
plt.scatter([7, 8], [9, 10], label='B')
plt.title('Dots')
plt.legend()
plt.show()
""")
    assert chart.type == ChartType.SCATTER
    assert chart.title == "Dots"
    assert [(e.label, e.points) for e in chart.elements] == [
        ("A", [(1, 4), (2, 5), (3, 6)]), ("B", [(7, 9), (8, 10)])]


def test_pie_chart(sbx):
    chart = one_chart(sbx, """
import matplotlib.pyplot as plt
plt.pie([1, 1, 2], labels=['a', 'b', 'c'])
plt.title('Shares')
plt.show()
""")
    assert chart.type == ChartType.PIE
    assert chart.title == "Shares"
    assert [(e.label, round(e.angle)) for e in chart.elements] == [("a", 90), ("b", 90), ("c", 180)]


def test_box_and_whisker_chart(sbx):
    chart = one_chart(sbx, """
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.boxplot([[1, 2, 3, 4, 5], [2, 4, 6, 8, 10]], labels=['low', 'high'], patch_artist=True)
ax.set_title('Spread')
plt.show()
""")
    assert chart.type == ChartType.BOX_AND_WHISKER
    assert chart.title == "Spread"
    got = [(e.label, e.min, e.first_quartile, e.median, e.third_quartile, e.max) for e in chart.elements]
    assert got == [("low", 1, 2, 3, 4, 5), ("high", 2, 4, 6, 8, 10)]


def test_two_axes_make_a_superchart(sbx):
    chart = one_chart(sbx, """
import matplotlib.pyplot as plt
fig, (a, b) = plt.subplots(1, 2)
a.bar(['x', 'y'], [1, 2])
a.set_title('left')
b.plot([0, 1], [1, 0])
b.set_title('right')
fig.suptitle('Both')
plt.show()
""")
    assert chart.type == ChartType.SUPERCHART
    assert chart.title == "Both"
    assert [(c.type, c.title) for c in chart.elements] == [(ChartType.BAR, "left"), (ChartType.LINE, "right")]
