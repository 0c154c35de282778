"""Diagnostics that go to the kernel process's stderr, never to a cell's output.

Inside ipykernel, ``sys.stderr`` is an OutStream that publishes to the
current cell, and (with ``capture_fd_output``, the default in 6.x) even
file descriptor 2 is a pipe whose contents are forwarded to the cell too.
A failed chart extraction is our problem, not the user's, so it must not
show up as stderr text in their results.  ipykernel keeps a duplicate of
the original descriptor 2 in ``OutStream._original_stdstream_copy``; writing
there reaches the agent's log of the kernel process.
"""

import os
import sys
import traceback

_process_fd = None


def remember_process_stderr():
    """Record where the real process stderr is, while sys.stderr is the kernel's.

    Called when the extension loads, because later the user may replace
    ``sys.stderr`` (contextlib.redirect_stderr) and we would lose track of it.
    """
    global _process_fd
    fd = getattr(sys.stderr, "_original_stdstream_copy", None)
    if isinstance(fd, int) and fd >= 0:
        _process_fd = fd


def _stderr_fd():
    if _process_fd is not None:
        return _process_fd
    fd = getattr(sys.stderr, "_original_stdstream_copy", None)
    if isinstance(fd, int) and fd >= 0:
        return fd
    stream = sys.__stderr__
    if stream is None:
        return None
    try:
        stream.flush()
        return stream.fileno()
    except (OSError, ValueError, AttributeError):
        return None


def log(message):
    """Write one message (a line, or a block ending in a newline) to process stderr."""
    fd = _stderr_fd()
    if fd is None:
        return
    data = message.encode("utf-8", "replace")
    if not data.endswith(b"\n"):
        data += b"\n"
    try:
        while data:
            written = os.write(fd, data)
            data = data[written:]
    except OSError:
        pass


def log_exception(context):
    """Log the exception being handled, prefixed with what we were doing."""
    log(f"sbx_e2b: {context}\n{traceback.format_exc()}")
