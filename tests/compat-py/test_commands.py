"""sandbox.commands: process.Process Start/Connect/List/SendInput/SendSignal."""
import os

import pytest
from e2b import CommandExitException, InvalidArgumentException, TimeoutException

from conftest import WORKDIR, unique_path, until


def gate(path):
    """Shell that waits (bounded) until the test creates path."""
    return f"for i in $(seq 500); do [ -e {path} ] && break; sleep 0.02; done; [ -e {path} ]"


def test_run_gives_exit_code_stdout_stderr(sbx):
    r = sbx.commands.run('echo out; echo err >&2; printf "no newline"')
    assert (r.exit_code, r.stdout, r.stderr, r.error) == (0, "out\nno newline", "err\n", None)


def test_non_zero_exit_raises_command_exit_exception(sbx):
    with pytest.raises(CommandExitException) as ei:
        sbx.commands.run("echo partial; echo oops >&2; exit 3")
    e = ei.value
    assert (e.exit_code, e.stdout, e.stderr) == (3, "partial\n", "oops\n")
    assert e.error


def test_cwd_and_envs(sbx):
    r = sbx.commands.run('pwd; echo "$FOO|$BAR"', cwd="/tmp", envs={"FOO": "foo value", "BAR": "a=b"})
    assert r.stdout == "/tmp\nfoo value|a=b\n"


@pytest.mark.skipif(not WORKDIR, reason="SBX_COMPAT_WORKDIR not set")
def test_default_cwd_is_the_workdir(sbx):
    assert sbx.commands.run("pwd").stdout == f"{WORKDIR}\n"


def test_missing_cwd_is_invalid_argument(sbx):
    with pytest.raises(InvalidArgumentException):
        sbx.commands.run("true", cwd=f"{unique_path('nocwd')}/x")


def test_on_stdout_on_stderr_stream_as_produced(sbx):
    # The command goes on only after on_stdout has seen line1.
    go = unique_path("go")
    out, err = [], []

    def on_stdout(s):
        out.append(s)
        if "".join(out) == "line1\n":
            sbx.files.write(go, "")

    r = sbx.commands.run(f"echo line1; echo e1 >&2; {gate(go)} && echo line2 && echo e2 >&2",
                         on_stdout=on_stdout, on_stderr=err.append)
    assert "".join(out) == "line1\nline2\n"
    assert "".join(err) == "e1\ne2\n"
    assert (r.stdout, r.stderr) == ("line1\nline2\n", "e1\ne2\n")


def test_background_returns_a_handle_and_wait_gives_the_result(sbx):
    go = unique_path("go")
    h = sbx.commands.run(f"{gate(go)} && echo done", background=True)
    assert isinstance(h.pid, int) and h.pid > 0
    sbx.files.write(go, "")
    r = h.wait()
    assert (r.exit_code, r.stdout) == (0, "done\n")


def test_send_stdin_and_close_stdin(sbx):
    h = sbx.commands.run('read a; read b; echo "got:$a:$b"; cat; echo "[eof]"', background=True, stdin=True)
    sbx.commands.send_stdin(h.pid, "first\n")
    h.send_stdin("second\nrest")
    h.close_stdin()
    assert h.wait().stdout == "got:first:second\nrest[eof]\n"


def test_list_shows_cmd_args_envs_cwd(sbx):
    h = sbx.commands.run("sleep 30", background=True, cwd="/tmp", envs={"COMPAT_LIST": "1"})
    try:
        mine = [p for p in sbx.commands.list() if p.pid == h.pid]
        assert len(mine) == 1, f"pid {h.pid} listed"
        p = mine[0]
        assert (p.cmd, p.args, p.envs.get("COMPAT_LIST"), p.cwd, p.tag) == (
            "/bin/bash", ["-l", "-c", "sleep 30"], "1", "/tmp", None)
    finally:
        h.kill()


def test_kill_ends_a_command_and_list_forgets_it(sbx):
    h = sbx.commands.run("sleep 30", background=True)
    assert sbx.commands.kill(h.pid) is True
    with pytest.raises(CommandExitException) as ei:
        h.wait()
    assert ei.value.exit_code == -1, "envd reports -1 for a signalled process"
    until(lambda: not any(p.pid == h.pid for p in sbx.commands.list()), 5, "pid gone from list")
    assert sbx.commands.kill(h.pid) is False


def test_connect_attaches_to_a_running_command(sbx):
    go = unique_path("go")
    h = sbx.commands.run(f"{gate(go)} && echo later", background=True)
    h.disconnect()
    c = sbx.commands.connect(h.pid)
    sbx.files.write(go, "")
    out = []
    r = c.wait(on_stdout=out.append)
    assert (r.exit_code, "".join(out)) == (0, "later\n")


def test_timeout_raises_and_the_process_is_gone(sbx):
    cmd = f"sleep 600.{os.getpid()}"
    with pytest.raises(TimeoutException):
        sbx.commands.run(cmd, timeout=1)
    until(lambda: not any(cmd in p.args for p in sbx.commands.list()), 3, f"{cmd} killed at its deadline")
