"""sbx's IPython extension: E2B-compatible rich results in every Python kernel.

The sandbox agent starts kernels with ``--IPKernelApp.extensions=sbx_e2b``.
Loading the extension registers the ``e2b/chart``, ``e2b/data`` and
list/dict ``application/json`` formatters E2B's SDKs expect (reference
section 3.6) and arranges library adjustments (PIL, matplotlib, plotly) to
happen when, and only if, the user imports those libraries.  Kernel start-up
time matters, so neither ``import sbx_e2b`` nor loading the extension imports
matplotlib, pandas, numpy, PIL or plotly.

The agent also calls :func:`env_push` / :func:`env_pop` (silent executions
around a cell) to apply a request's ``env_vars`` and restore them afterwards.
A JSON object of strings is valid Python, so the agent can send
``sbx_e2b.env_push({"K": "V"})`` with the JSON text pasted in.
"""

import os

__all__ = ["load_ipython_extension", "env_push", "env_pop"]

_ABSENT = object()
_env_stack = []


def env_push(values):
    """Set environment variables, remembering what they were for :func:`env_pop`.

    ``values`` maps names to strings.  Everything is validated before anything
    is changed, so a bad entry raises ValueError/TypeError and leaves the
    environment and the stack untouched.
    """
    items = []
    for key, value in dict(values).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"environment names and values must be strings: {key!r}")
        if not key or "=" in key or "\0" in key or "\0" in value:
            raise ValueError(f"invalid environment variable {key!r}")
        items.append((key, value))
    saved = {key: os.environ.get(key, _ABSENT) for key, _ in items}
    _env_stack.append(saved)
    for key, value in items:
        os.environ[key] = value


def env_pop():
    """Undo the latest :func:`env_push`: restore old values, unset names that were unset.

    Returns False (and changes nothing) when there is nothing to undo.
    """
    if not _env_stack:
        return False
    for key, value in _env_stack.pop().items():
        if value is _ABSENT:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return True


def load_ipython_extension(ip):
    """IPython entry point: register formatters and deferred library patches."""
    from . import _log, formatters, patches

    _log.remember_process_stderr()
    formatters.register(ip)
    patches.install()
