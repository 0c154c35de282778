"""sandbox.pty: Start with a pty, SendInput, Update (resize), SendSignal."""
import pytest
from e2b import CommandExitException, PtySize


def run_pty(sbx, script, size=PtySize(rows=24, cols=80), resize=None):
    """Open a pty, type script (ending in exit), return (exit code, output)."""
    h = sbx.pty.create(size)
    assert isinstance(h.pid, int) and h.pid > 0
    if resize:
        sbx.pty.resize(h.pid, resize)
    sbx.pty.send_stdin(h.pid, script.encode())
    out = bytearray()
    r = h.wait(on_pty=out.extend)
    return r.exit_code, out.decode(errors="replace")


def test_shell_output_term_and_tty(sbx):
    code, out = run_pty(sbx, 'echo hi-$((40+2)); echo "term=$TERM"; test -t 0 && echo "is-$((1))-tty"; exit 0\n')
    assert code == 0
    # The shell computes the markers, so the echoed input cannot match.
    assert "hi-42" in out and "term=xterm-256color" in out and "is-1-tty" in out, out


def test_size_and_resize(sbx):
    _, out = run_pty(sbx, 'echo "sz:$(stty size)"; exit\n')
    assert "sz:24 80" in out, out
    _, out = run_pty(sbx, 'echo "sz:$(stty size)"; exit\n', resize=PtySize(rows=30, cols=100))
    assert "sz:30 100" in out, out


def test_exit_code_of_the_shell(sbx):
    code, _ = run_pty(sbx, "exit 0\n")
    assert code == 0
    with pytest.raises(CommandExitException) as ei:
        run_pty(sbx, "exit 7\n")
    assert ei.value.exit_code == 7


def test_kill_ends_the_pty(sbx):
    h = sbx.pty.create(PtySize(rows=24, cols=80))
    assert any(p.pid == h.pid for p in sbx.commands.list()), "pty listed as a process"
    assert sbx.pty.kill(h.pid) is True
    with pytest.raises(CommandExitException) as ei:
        h.wait()
    assert ei.value.exit_code == -1
    assert sbx.pty.kill(h.pid) is False
