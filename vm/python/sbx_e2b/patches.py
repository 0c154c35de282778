"""Adjustments to third-party libraries for a headless sandbox kernel.

Each one is applied when its library is imported (see importhooks), so a
kernel that never touches PIL, matplotlib or plotly never loads them.

* PIL: ``image.show()`` must not spawn xdg-open/display in a sandbox without
  a screen; it displays the image as a cell result instead, and saving an
  image to a path also displays it (E2B's behaviour, reference 3.6).
* matplotlib 3.6: ``Figure.get_suptitle()`` (and the supx/supy label
  getters) appeared in 3.8; code written for current matplotlib, E2B's chart
  extractor included, calls them.
* plotly: its default renderer in a kernel is ``notebook``, which embeds a
  multi-megabyte plotly.js bundle as HTML; the mimetype renderer sends the
  figure JSON (``application/vnd.plotly.v1+json``), which E2B puts in
  ``extra``.  An explicit ``PLOTLY_RENDERER`` from the user wins.
"""

import functools
import os
import sys

from ._log import log_exception
from .importhooks import after_import

PLOTLY_RENDERER = "plotly_mimetype"


def install():
    """Register every adjustment to run when its module gets imported."""
    after_import("matplotlib.figure", add_figure_text_getters)
    after_import("PIL.ImageShow", show_images_in_ipython)
    after_import("PIL.Image", display_on_save)
    after_import("plotly.io._renderers", pin_plotly_renderer)


# ---------------------------------------------------------------- matplotlib

def _text_getter(attribute, name):
    def getter(self):
        text = getattr(self, attribute, None)
        return "" if text is None else text.get_text()
    getter.__name__ = name
    getter.__doc__ = f"Return the {attribute[1:]} text, or '' if unset (backport of matplotlib 3.8)."
    return getter


def add_figure_text_getters(figure_module):
    """Backport FigureBase.get_suptitle/get_supxlabel/get_supylabel where missing."""
    base = getattr(figure_module, "FigureBase", figure_module.Figure)
    for attribute, name in (("_suptitle", "get_suptitle"),
                            ("_supxlabel", "get_supxlabel"),
                            ("_supylabel", "get_supylabel")):
        if not hasattr(base, name):
            setattr(base, name, _text_getter(attribute, name))


# ---------------------------------------------------------------- PIL

def _ipython_display(image):
    """Show ``image`` as a cell result, if we are inside an IPython shell."""
    ipython = sys.modules.get("IPython")
    if ipython is None or ipython.get_ipython() is None:
        return False
    from IPython.display import display
    display(image)
    return True


def _no_external_viewer(self, path=None, **options):
    """Replacement for UnixViewer.show_file: never start an external program."""
    return 0


def show_images_in_ipython(image_show):
    """Make ``Image.show()`` display in the cell, never through an external viewer."""
    # Pillow's XDG/display/eog/... viewers each override show_file, so
    # patching UnixViewer alone (as E2B does) would not stop them.
    pending = [getattr(image_show, "UnixViewer", None)]
    while pending:
        cls = pending.pop()
        if cls is not None:
            cls.show_file = _no_external_viewer
            pending.extend(cls.__subclasses__())

    viewer_class = getattr(image_show, "IPythonViewer", None)
    if viewer_class is None:
        class IPythonViewer(image_show.Viewer):
            """Viewer that displays through IPython (older Pillow has none)."""

            def show_image(self, image, **options):
                return 1 if _ipython_display(image) else 0
        viewer_class = IPythonViewer
    viewers = getattr(image_show, "_viewers", None)
    if viewers and isinstance(viewers[0], viewer_class):
        return
    image_show.register(viewer_class, order=-1)


def _called_from_library(frame):
    """True if this save() call comes from matplotlib or PIL itself.

    matplotlib's savefig("x.png") writes through PIL's Image.save, and the
    figure is displayed by the inline backend anyway; showing the PIL copy as
    well would add a second, chart-less image to the results.
    """
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    return module.split(".", 1)[0] in ("matplotlib", "PIL")


def display_on_save(image_module):
    """Wrap Image.save so that saving to a path also displays the image."""
    image_class = image_module.Image
    original = image_class.save
    if getattr(original, "_sbx_displays", False):
        return

    @functools.wraps(original)
    def save(self, fp, format=None, **params):
        result = original(self, fp, format, **params)
        if isinstance(fp, (str, os.PathLike)) and not _called_from_library(sys._getframe(1)):
            try:
                _ipython_display(self)
            except Exception:
                log_exception("displaying a saved PIL image failed")
        return result

    save._sbx_displays = True
    image_class.save = save


# ---------------------------------------------------------------- plotly

def pin_plotly_renderer(renderers_module):
    """Select the mimetype renderer unless the user chose one via PLOTLY_RENDERER."""
    if os.environ.get("PLOTLY_RENDERER"):
        return
    renderers_module.renderers.default = PLOTLY_RENDERER
