"""The extension inside a real IPython shell, as the kernel uses it.

Prints one JSON object of observations; tests/unit/test_chart_json.c checks them.
"""
import json
import os
import sys
import tempfile

from IPython.core.interactiveshell import InteractiveShell

HEAVY = ("matplotlib", "pandas", "numpy", "PIL", "plotly")
out = {}
shell = InteractiveShell.instance()

# Loading: cheap, and imports none of the heavy libraries.
shell.extension_manager.load_extension("sbx_e2b")
out["heavy_after_load"] = [name for name in HEAVY if name in sys.modules]

published = []
shell.display_pub.publish = lambda data, metadata=None, **kw: published.append(data)

# A figure without the inline backend: text/plain and e2b/chart.
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots()
ax.plot([0, 1, 2], [1, 0, 1], label="v")
data, _ = shell.display_formatter.format(fig)
out["plain_keys"] = sorted(data)
out["plain_chart_type"] = data.get("e2b/chart", {}).get("type")

# With the inline backend configured, as ipykernel does: image/png too.
# (ipykernel's shell implements enable_gui; the base class only raises.)
shell.enable_gui = lambda gui=None: None
shell.enable_matplotlib("inline")
data, _ = shell.display_formatter.format(fig)
out["inline_keys"] = sorted(data)
out["inline_chart"] = data.get("e2b/chart")
out["png_is_base64_text"] = isinstance(data.get("image/png"), str)

# matplotlib 3.6 gains get_suptitle.
out["suptitle_unset"] = fig.get_suptitle()
fig.suptitle("Top")
out["suptitle_set"] = fig.get_suptitle()
plt.close("all")

# Extraction failure: {} in the bundle, traceback on process stderr only.
from matplotlib.figure import Figure  # noqa: E402


class BrokenFigure(Figure):
    def get_axes(self):
        raise RuntimeError("boom from BrokenFigure")


with tempfile.TemporaryFile() as capture:
    saved_fd = os.dup(2)
    saved_stream = sys.stderr
    cell_stderr = tempfile.SpooledTemporaryFile(mode="w+")
    sys.stderr = cell_stderr
    os.dup2(capture.fileno(), 2)
    try:
        data, _ = shell.display_formatter.format(BrokenFigure())
    finally:
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        sys.stderr = saved_stream
    capture.seek(0)
    logged = capture.read().decode()
    cell_stderr.seek(0)
    out["broken_chart"] = data.get("e2b/chart")
    out["broken_logged"] = "chart extraction failed" in logged and "boom from BrokenFigure" in logged
    out["broken_cell_stderr"] = cell_stderr.read()

# application/json for lists and dicts, numpy converted, NaN -> null.
import numpy as np  # noqa: E402

data, md = shell.display_formatter.format(
    {"a": np.int64(1), "b": np.arange(3), "c": float("nan"), 5: [1.5, None, True]})
out["json"] = data.get("application/json")
out["json_md"] = md.get("application/json")
data, _ = shell.display_formatter.format({"s": {1, 2}})
out["json_unserialisable_keys"] = sorted(data)
data, _ = shell.display_formatter.format("just text")
out["json_for_str"] = "application/json" in data

# e2b/data for a DataFrame.
import pandas as pd  # noqa: E402

data, _ = shell.display_formatter.format(pd.DataFrame({"x": [1, 2], "t": pd.to_datetime(["2024-01-01", None])}))
out["dataframe"] = data.get("e2b/data")

# PIL: save to a path displays once; show() displays without a viewer; savefig does not.
from PIL import Image, ImageShow  # noqa: E402

with tempfile.TemporaryDirectory() as tmp:
    published.clear()
    image = Image.new("RGB", (4, 4), "red")
    image.save(os.path.join(tmp, "red.png"))
    out["pil_save_published"] = [sorted(d) for d in published]
    published.clear()
    image.show()
    out["pil_show_published"] = [sorted(d) for d in published]
    out["pil_unix_show_file"] = ImageShow.UnixViewer().show_file(os.path.join(tmp, "red.png"))
    published.clear()
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    fig.savefig(os.path.join(tmp, "fig.png"))
    plt.close(fig)
    out["savefig_published"] = len(published)

    # plotly (a stand-in package with the real module layout): mimetype renderer.
    package = os.path.join(tmp, "plotly", "io")
    os.makedirs(package)
    open(os.path.join(tmp, "plotly", "__init__.py"), "w").close()
    open(os.path.join(package, "__init__.py"), "w").close()
    with open(os.path.join(package, "_renderers.py"), "w") as f:
        f.write("class _Renderers:\n    default = 'notebook'\n\nrenderers = _Renderers()\n")
    sys.path.insert(0, tmp)
    os.environ.pop("PLOTLY_RENDERER", None)
    import plotly.io._renderers  # noqa: E402

    out["plotly_renderer"] = plotly.io._renderers.renderers.default

sys.stdout.write(json.dumps(out, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n")
