"""Run a function right after a given module is first imported.

The extension must adapt PIL, matplotlib and plotly to a headless sandbox,
but importing them at kernel start would cost hundreds of milliseconds for
cells that never use them.  A meta-path finder placed first on
``sys.meta_path`` watches for the few module names we care about; when one
is imported it lets the normal finders locate it and wraps the loader's
``exec_module`` so our hook runs once the module body has executed.  Every
other import costs one dictionary lookup.
"""

import importlib.machinery
import sys

from ._log import log_exception


_PER_MODULE_LOADERS = (
    importlib.machinery.SourceFileLoader,
    importlib.machinery.SourcelessFileLoader,
    importlib.machinery.ExtensionFileLoader,
)


class _LoaderProxy:
    """Stand-in for a shared loader object whose method we must not patch."""

    def __init__(self, loader, exec_module):
        self._loader = loader
        self.exec_module = exec_module

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class PostImportFinder:
    """Meta-path finder that never finds anything itself, only wraps loaders.

    (A plain class with ``find_spec`` is all the import system needs;
    subclassing importlib.abc.MetaPathFinder would import importlib.resources,
    a few milliseconds of kernel start-up.)
    """

    def __init__(self):
        self._pending = {}

    def add(self, name, hook):
        """Call ``hook(module)`` after ``name`` is imported (now, if it already is)."""
        module = sys.modules.get(name)
        if module is not None:
            _run(hook, module)
            return
        self._pending.setdefault(name, []).append(hook)

    def find_spec(self, fullname, path, target=None):
        hooks = self._pending.get(fullname)
        if not hooks:
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                break
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        try:
            self._wrap(spec, fullname, list(hooks))
        except Exception:
            # Never let our bookkeeping break the user's import.
            log_exception(f"cannot watch the import of {fullname}")
        return spec

    def _wrap(self, spec, fullname, hooks):
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            # Only a successful import consumes the hooks; a failed one may be retried.
            self._pending.pop(fullname, None)
            for hook in hooks:
                _run(hook, module)

        # File loaders are created per module, so patching the instance is
        # private to this import and keeps __loader__ a genuine loader
        # (importlib.resources and pkgutil look at its type).
        if isinstance(loader, _PER_MODULE_LOADERS):
            loader.exec_module = exec_module
        else:
            spec.loader = _LoaderProxy(loader, exec_module)


def _run(hook, module):
    try:
        hook(module)
    except Exception:
        log_exception(f"post-import hook {hook.__name__} for {module.__name__} failed")


_finder = None


def after_import(name, hook):
    """Arrange for ``hook(module)`` to run once module ``name`` is imported."""
    global _finder
    if _finder is None:
        _finder = PostImportFinder()
        sys.meta_path.insert(0, _finder)
    _finder.add(name, hook)
