"""Matplotlib figure -> E2B chart JSON, with plain dicts.

E2B's ``e2b_charts`` package describes a figure as pydantic-2 models and
sends ``model_dump()``; Debian bookworm only has pydantic 1, so this module
rebuilds the same JSON by hand.  Key order follows the pydantic field order
(``type, title, elements``, then labels/units, then ticks/scales) and empty
fields are ``None`` (JSON null) rather than absent, because the E2B Python
SDK indexes them directly.

Where E2B's extractor is merely a heuristic we keep its answer for the
figures it handles well (the examples in the design reference) and fix the
cases where it produces wrong data or raises:

* bar and box labels are the tick labels found at each bar's/box's position,
  not tick labels zipped with bars (which mislabels ``hist()`` and numeric
  axes and drops bars when there are fewer ticks than bars);
* bar orientation comes from ``BarContainer.orientation`` when matplotlib
  records it (E2B guesses "horizontal" whenever all heights are equal), and
  the axis labels are swapped once per chart, not once per container;
* box orientation also looks at whiskers and caps, so a single box (whose
  "heights are all equal") is not read sideways;
* box plots keep every outlier (E2B drops them when a box has more than one)
  and a box whose whisker or median cannot be matched does not abort the chart;
* a categorical axis is also recognised by its StrCategoryConverter, and a
  date axis by any matplotlib DateConverter (pandas registers its own);
* coordinates of other types (pandas Periods, ...) become strings, an axis
  without ticks gives empty lists, and NaN/inf become null, where E2B's
  validation or indexing fails and the whole chart is lost.

Importing this module imports matplotlib and numpy; the extension only does
so when a Figure is being formatted, i.e. when matplotlib is already loaded.
"""

import datetime
import decimal
import gc
import math
import re

import numpy as np
import matplotlib.dates as mdates
from matplotlib.category import StrCategoryConverter
from matplotlib.collections import PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle, Wedge
from matplotlib.text import Text

_UNIT_RE = re.compile(r"\s\((.*?)\)|\[(.*?)\]")
_CHILD_RE = re.compile(r"_child(\d+)$")
_CONTAINER_RE = re.compile(r"_container(\d+)$")
_DATE_CONVERTERS = tuple(
    c for c in (getattr(mdates, "DateConverter", None),
                getattr(mdates, "_SwitchableDateConverter", None)) if c is not None)
# Decimal arithmetic in a fixed context, so a user's decimal.getcontext()
# changes cannot alter the numbers we report.
_DECIMAL_CONTEXT = decimal.Context()
_NO_LINE = ("None", "none", "", " ")


# ---------------------------------------------------------------- entry points

def chart_figure_to_dict(figure):
    """The E2B chart dict for ``figure``: ``{}`` when it has no data.

    The cyclic garbage collector is paused meanwhile: a large series becomes
    millions of small lists, and collections triggered by those allocations
    (which can free nothing) about double the time.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _figure_to_dict(figure)
    finally:
        if collecting:
            gc.enable()


def _figure_to_dict(figure):
    axes = figure.get_axes()
    if not axes or not any(ax.has_data() for ax in axes):
        return {}
    if len(axes) > 1:
        return {
            "type": "superchart",
            "title": _suptitle(figure),
            "elements": [chart_from_axes(ax) for ax in axes],
        }
    return chart_from_axes(axes[0])


def chart_from_axes(ax):
    """The chart dict for one Axes, by the type E2B's detection assigns it."""
    kind = chart_type(ax)
    if kind in ("line", "scatter"):
        return _point_chart(kind, ax)
    if kind == "bar":
        return _bar_chart(ax)
    if kind == "pie":
        return _pie_chart(ax)
    if kind == "box_and_whisker":
        return _box_chart(ax)
    return _base("unknown", ax)


def chart_type(ax):
    """E2B's type detection over the Axes' artists (texts ignored), in its order."""
    objects = [a for a in ax._children if not isinstance(a, Text)]
    if all(isinstance(a, Line2D) for a in objects):
        return "line"
    if all(isinstance(a, (PathPatch, Line2D)) for a in objects):
        return "box_and_whisker"
    objects = [a for a in objects if not (isinstance(a, Line2D) and is_grid_line(a))]
    if all(isinstance(a, PathCollection) for a in objects):
        return "scatter"
    if all(isinstance(a, Wedge) for a in objects):
        return "pie"
    if all(isinstance(a, Rectangle) for a in objects):
        return "bar"
    return "unknown"


def is_grid_line(line):
    """A two-point horizontal or vertical line (axhline, axvline, reference lines)."""
    xs, ys = line.get_xdata(), line.get_ydata()
    if len(xs) != 2 or len(ys) != 2:
        return False
    return bool(xs[0] == xs[1] or ys[0] == ys[1])


# ---------------------------------------------------------------- common parts

def _suptitle(figure):
    getter = getattr(figure, "get_suptitle", None)
    if getter is not None:
        return getter()
    text = getattr(figure, "_suptitle", None)
    return "" if text is None else text.get_text()


def _base(kind, ax):
    return {"type": kind, "title": ax.get_title() or None, "elements": []}


def _unit(label):
    if not label:
        return None
    match = _UNIT_RE.search(label)
    if match is None:
        return None
    return match.group(1) or match.group(2)


def _chart2d(kind, ax):
    chart = _base(kind, ax)
    x_label = ax.get_xlabel() or None
    y_label = ax.get_ylabel() or None
    chart["x_label"] = x_label
    chart["y_label"] = y_label
    chart["x_unit"] = _unit(x_label)
    chart["y_unit"] = _unit(y_label)
    return chart


def _swap_axes(chart):
    chart["x_label"], chart["y_label"] = chart["y_label"], chart["x_label"]
    chart["x_unit"], chart["y_unit"] = chart["y_unit"], chart["x_unit"]


def _num(value):
    """A finite float, or None (JSON has no NaN)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _is_date_axis(axis):
    """True when tick values are matplotlib date numbers.

    pandas' PeriodConverter subclasses DateConverter but its ticks are period
    ordinals, which num2date would misread; E2B calls such axes linear too.
    """
    converter = axis.converter
    return (bool(_DATE_CONVERTERS) and isinstance(converter, _DATE_CONVERTERS)
            and type(converter).__name__ != "PeriodConverter")


def _tick_labels(axis):
    return [label.get_text() for label in axis.get_ticklabels()]


# ---------------------------------------------------------------- line, scatter

def _point_value(value):
    """One coordinate as E2B reports it: dates as ISO strings, numbers as floats."""
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[s]"))
    if isinstance(value, str):
        return str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return number if math.isfinite(number) else None


def _numeric_column(values):
    """``values`` as a 1-D float array with NaN for masked entries, or None if not numeric."""
    if isinstance(values, (np.ndarray, list, tuple)):
        try:
            array = np.ma.asarray(values)
        except (TypeError, ValueError):
            return None
        if array.ndim == 1 and array.dtype.kind in "biuf":
            return array.astype(float).filled(np.nan)
    return None


def _points(xs, ys):
    """[[x, y], ...] for one series; whole numeric arrays are converted at once.

    A plotted signal easily has 10^5..10^6 points; going through numpy keeps
    that to milliseconds instead of a Python call per coordinate.
    """
    x, y = _numeric_column(xs), _numeric_column(ys)
    if x is not None and y is not None:
        n = min(len(x), len(y))
        pairs = np.column_stack((x[:n], y[:n]))
        if np.isfinite(pairs).all():
            return pairs.tolist()
        return [[_num(a), _num(b)] for a, b in pairs.tolist()]
    return [[_point_value(a), _point_value(b)] for a, b in zip(xs, ys)]


def _axis_ticks(axis, ticks):
    if _is_date_axis(axis):
        return [mdates.num2date(t).isoformat() for t in ticks]
    return [_num(t) for t in ticks]


def _axis_scale(axis, scale, ticks, labels):
    if _is_date_axis(axis):
        return "datetime"
    if scale != "linear":
        return scale
    if isinstance(axis.converter, StrCategoryConverter):
        return "categorical"
    # E2B's rule: ticks are exactly 0..n-1 and no label reads as its index.
    if ticks and all(t == i and label != str(i)
                     for i, (t, label) in enumerate(zip(ticks, labels))):
        return "categorical"
    return "linear"


def _point_chart(kind, ax):
    chart = _chart2d(kind, ax)
    for name, axis, scale in (("x", ax.xaxis, ax.get_xscale()),
                              ("y", ax.yaxis, ax.get_yscale())):
        labels = _tick_labels(axis)
        ticks = _axis_ticks(axis, axis.get_ticklocs())
        chart[name + "_ticks"] = ticks
        chart[name + "_tick_labels"] = labels
        chart[name + "_scale"] = _axis_scale(axis, scale, ticks, labels)

    if kind == "line":
        for line in ax.get_lines():
            if is_grid_line(line):
                continue
            label = line.get_label()
            match = _CHILD_RE.match(label)
            if match:
                label = f"Line {int(match.group(1))}"
            points = _points(line.get_xdata(), line.get_ydata())
            chart["elements"].append({"label": label, "points": points})
    else:
        for collection in ax.collections:
            offsets = collection.get_offsets()
            if getattr(offsets, "ndim", 0) == 2 and offsets.shape[1] == 2:
                points = _points(offsets[:, 0], offsets[:, 1])
            else:
                points = [[_point_value(x), _point_value(y)] for x, y in offsets]
            chart["elements"].append({"label": collection.get_label(), "points": points})
    return chart


# ---------------------------------------------------------------- bar

def _label_at(axis, low, high, ticks, labels):
    """The tick label of the category at [low, high] on ``axis``.

    A tick exactly at the centre always names it; on a categorical axis any
    tick inside the extent does (bars drawn with ``align="edge"``).  With no
    such tick (histograms, numeric axes) the centre itself is the label.
    """
    centre = (low + high) / 2.0
    span = abs(high - low)
    tolerance = 1e-9 * max(1.0, abs(centre), span)
    categorical = isinstance(axis.converter, StrCategoryConverter)
    best = None
    for tick, label in zip(ticks, labels):
        distance = abs(tick - centre)
        inside = min(low, high) - tolerance <= tick <= max(low, high) + tolerance
        if distance <= tolerance or (categorical and inside):
            if best is None or distance < best[0]:
                best = (distance, label)
    if best is not None:
        return best[1]
    if _is_date_axis(axis):
        return mdates.num2date(centre).isoformat()
    return f"{centre:g}".replace("-", "\N{MINUS SIGN}")


def _is_horizontal(container):
    orientation = getattr(container, "orientation", None)
    if orientation in ("horizontal", "vertical"):
        return orientation == "horizontal"
    heights = [rect.get_height() for rect in container]
    return bool(heights) and all(h == heights[0] for h in heights)


def _bar_chart(ax):
    chart = _chart2d("bar", ax)
    swapped = False
    for container in ax.containers:
        group = container.get_label()
        match = _CONTAINER_RE.match(group)
        if match:
            group = f"Group {int(match.group(1))}"
        horizontal = _is_horizontal(container)
        axis = ax.yaxis if horizontal else ax.xaxis
        ticks = [float(t) for t in axis.get_ticklocs()]
        labels = _tick_labels(axis)
        for rect in container:
            if horizontal:
                low, high, value = rect.get_y(), rect.get_y() + rect.get_height(), rect.get_width()
            else:
                low, high, value = rect.get_x(), rect.get_x() + rect.get_width(), rect.get_height()
            chart["elements"].append({
                "label": _label_at(axis, float(low), float(high), ticks, labels),
                "group": group,
                "value": _num(value),
            })
        if horizontal and not swapped:
            _swap_axes(chart)
            swapped = True
    return chart


# ---------------------------------------------------------------- pie

def _dynamic_round(number):
    """E2B's rounding: keep about 8 significant digits, as a Decimal."""
    value = decimal.Decimal(str(number))
    context = decimal.Context(prec=max(1, 8 - value.adjusted()))
    return context.plus(value)


def _pie_chart(ax):
    chart = _base("pie", ax)
    for wedge in ax.patches:
        sweep = _DECIMAL_CONTEXT.subtract(decimal.Decimal(float(wedge.theta2)),
                                          decimal.Decimal(float(wedge.theta1)))
        chart["elements"].append({
            "label": wedge.get_label(),
            "angle": _num(_DECIMAL_CONTEXT.abs(_dynamic_round(sweep))),
            "radius": _num(wedge.r),
        })
    return chart


# ---------------------------------------------------------------- box and whisker

def _rounded(values):
    return [_dynamic_round(float(v)) for v in values if math.isfinite(float(v))]


def _boxes_are_horizontal(boxes, lines):
    """Whether box plot boxes lie along the y axis (``vert=False``).

    E2B decides by "all box heights are equal", which misreads every plot
    with a single box.  When widths and heights are both (in)conclusive, the
    lines decide: a vertical box plot has vertical whiskers and horizontal
    caps and medians, so more horizontal than vertical segments.
    """
    if not boxes:
        return False
    equal_heights = all(b["height"] == boxes[0]["height"] for b in boxes)
    equal_widths = all(b["width"] == boxes[0]["width"] for b in boxes)
    if equal_heights != equal_widths:
        return equal_heights
    flat = upright = 0
    for line in lines:
        xs, ys = line.get_xdata(), line.get_ydata()
        if len(xs) == 2 and len(ys) == 2:
            if xs[0] == xs[1] and ys[0] != ys[1]:
                upright += 1
            elif ys[0] == ys[1] and xs[0] != xs[1]:
                flat += 1
    if flat != upright:
        return upright > flat
    return equal_heights


def _box_chart(ax):
    chart = _chart2d("box_and_whisker", ax)
    add, sub = _DECIMAL_CONTEXT.add, _DECIMAL_CONTEXT.subtract
    boxes = []
    for patch in ax.patches:
        vertices = patch.get_path().vertices
        xs, ys = _rounded(vertices[:, 0]), _rounded(vertices[:, 1])
        if not xs or not ys:
            continue
        x, y = min(xs), min(ys)
        boxes.append({"x": x, "y": y, "width": sub(max(xs), x), "height": sub(max(ys), y),
                      "median": None, "lower": None, "upper": None, "outliers": []})

    # For boxes lying along y (vert=False) work in swapped coordinates, so
    # "x" is always the category axis and "y" the value axis.
    horizontal = _boxes_are_horizontal(boxes, ax.lines)
    if horizontal:
        _swap_axes(chart)
        for box in boxes:
            box["x"], box["y"] = box["y"], box["x"]
            box["width"], box["height"] = box["height"], box["width"]

    def box_at(position):
        for box in boxes:
            if box["x"] <= position <= add(box["x"], box["width"]):
                return box
        return None

    for line in ax.lines:
        xs = _rounded(line.get_xdata())
        ys = _rounded(line.get_ydata())
        if horizontal:
            xs, ys = ys, xs
        if len(xs) != len(ys):
            continue
        if line.get_linestyle() in _NO_LINE or len(xs) == 1:
            for px, py in zip(xs, ys):           # fliers: markers only
                box = box_at(px)
                if box is not None:
                    box["outliers"].append(py)
            continue
        if len(xs) != 2:
            continue
        box = next((b for b in boxes
                    if b["x"] <= xs[0] <= xs[1] <= add(b["x"], b["width"])), None)
        if box is None:
            continue
        top = add(box["y"], box["height"])
        if ys[0] == ys[1] and box["y"] <= ys[0] <= top:
            box["median"] = ys[0]
            continue
        low, high = min(ys), max(ys)
        if high == box["y"]:
            box["lower"] = low
        elif low == top:
            box["upper"] = high

    axis = ax.yaxis if horizontal else ax.xaxis
    ticks = [float(t) for t in axis.get_ticklocs()]
    labels = _tick_labels(axis)
    for box in boxes:
        top = add(box["y"], box["height"])
        chart["elements"].append({
            "label": _label_at(axis, float(box["x"]), float(add(box["x"], box["width"])),
                               ticks, labels),
            "min": _num(box["y"] if box["lower"] is None else box["lower"]),
            "first_quartile": _num(box["y"]),
            "median": _num(box["median"]),
            "third_quartile": _num(top),
            "max": _num(top if box["upper"] is None else box["upper"]),
            "outliers": [_num(v) for v in box["outliers"]],
        })
    return chart
