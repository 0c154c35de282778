"""Shared set-up for the chart fixture scripts run by tests/unit/test_chart_json.c.

Each fixture builds one figure the way the design reference (section 3.10)
did and prints the extractor's result as compact JSON on one line, so the C
test can both compare the exact text and check fields with jansson.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (backend must be chosen first)

from sbx_e2b.charts import chart_figure_to_dict  # noqa: E402

__all__ = ["plt", "emit", "emit_value"]


def emit_value(value):
    """Print ``value`` as strict, compact, UTF-8 JSON (no NaN allowed)."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, allow_nan=False,
                                separators=(",", ":")) + "\n")


def emit(figure):
    """Print the E2B chart JSON of ``figure``."""
    emit_value(chart_figure_to_dict(figure))
