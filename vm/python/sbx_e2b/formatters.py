"""The IPython formatters that add E2B's MIME types to every display bundle.

IPython runs each registered formatter on every ``display()`` and on the
value of a cell's last expression; what a formatter returns becomes one more
key of the ``display_data``/``execute_result`` bundle.  E2B's SDKs read
``e2b/chart``, ``e2b/data`` and ``application/json`` from there (reference
section 3.6).  These formatters must never break a display: failures are
logged to the kernel process's stderr, not shown in the cell.

This module imports only IPython and traitlets, which the kernel has already
loaded; matplotlib and pandas are looked up in ``sys.modules`` so plain
outputs never import them.
"""

import sys

from IPython.core.formatters import BaseFormatter, JSONFormatter
from traitlets import ObjectName, Unicode

from ._log import log_exception
from .jsonable import dataframe_to_dict, to_json_strict


class ChartFormatter(BaseFormatter):
    """``e2b/chart``: matplotlib Figure -> E2B chart dict (``{}`` when blank or failed)."""

    format_type = Unicode("e2b/chart")
    print_method = ObjectName("_repr_e2b_chart_")
    _return_type = (dict, str)

    def __call__(self, obj):
        if not self.enabled:
            return None
        figure_module = sys.modules.get("matplotlib.figure")
        if figure_module is not None and isinstance(obj, figure_module.Figure):
            try:
                from .charts import chart_figure_to_dict
                return chart_figure_to_dict(obj)
            except Exception:
                log_exception("chart extraction failed; sending an empty e2b/chart")
                return {}
        return super().__call__(obj)


class DataFormatter(BaseFormatter):
    """``e2b/data``: pandas DataFrame -> ``to_dict(orient="list")`` as valid JSON."""

    format_type = Unicode("e2b/data")
    print_method = ObjectName("_repr_e2b_data_")
    _return_type = (dict, str)

    def __call__(self, obj):
        if not self.enabled:
            return None
        pandas = sys.modules.get("pandas")
        if pandas is not None and isinstance(obj, pandas.DataFrame):
            try:
                return dataframe_to_dict(obj)
            except Exception:
                log_exception("DataFrame conversion for e2b/data failed")
                return None
        return super().__call__(obj)


class ListDictJSONFormatter(JSONFormatter):
    """``application/json`` also for plain lists and dicts, as E2B's orjson formatter.

    Stock IPython only emits JSON for objects with ``_repr_json_``; E2B returns
    ``json`` for a cell ending in ``{"a": 1}``.  Values that orjson would refuse
    fall through to the stock behaviour.
    """

    def __call__(self, obj):
        if self.enabled and isinstance(obj, (list, dict)):
            try:
                return to_json_strict(obj), {"expanded": True}
            except (TypeError, ValueError, RecursionError):
                pass
        return super().__call__(obj)


def register(shell):
    """Install the three formatters on ``shell.display_formatter``."""
    display_formatter = shell.display_formatter
    formatters = display_formatter.formatters

    replacement = ListDictJSONFormatter(parent=display_formatter)
    previous = formatters.get("application/json")
    if previous is not None:
        # Keep printers other code registered on the formatter we replace.
        replacement.type_printers.update(previous.type_printers)
        replacement.deferred_printers.update(previous.deferred_printers)
        replacement.singleton_printers.update(previous.singleton_printers)
        replacement.enabled = previous.enabled
    formatters["application/json"] = replacement
    formatters["e2b/data"] = DataFormatter(parent=display_formatter)
    formatters["e2b/chart"] = ChartFormatter(parent=display_formatter)
