"""Sandbox.run_code against the default Python context (POST /execute)."""
import os
from datetime import datetime

import pytest
from e2b import TimeoutException

from conftest import unique_path


def test_print_goes_to_stdout_with_no_results(sbx):
    ex = sbx.run_code('print("hello from sbx")')
    assert ex.error is None
    # the kernel may send one print in pieces (its flush timer can fire
    # between "hello…" and "\n" on a loaded machine): compare the text
    assert "".join(ex.logs.stdout) == "hello from sbx\n"
    assert ex.logs.stderr == []
    assert ex.results == []


def test_stderr_is_logged_apart(sbx):
    ex = sbx.run_code('import sys\nprint("to stderr", file=sys.stderr)')
    assert ex.error is None
    assert ex.logs.stdout == []
    assert "".join(ex.logs.stderr) == "to stderr\n"


def test_main_result_text_and_execution_count(sbx):
    ex = sbx.run_code("1+1")
    assert ex.error is None
    assert ex.text == "2"
    assert len(ex.results) == 1
    assert ex.results[0].is_main_result is True
    assert isinstance(ex.execution_count, int) and ex.execution_count > 0
    assert sbx.run_code("2+2").execution_count == ex.execution_count + 1


def test_state_is_kept_across_cells(sbx):
    sbx.run_code("compat_state = 40")
    assert sbx.run_code("compat_state += 2\ncompat_state").text == "42"


def test_exception_gives_name_value_traceback(sbx):
    ex = sbx.run_code('print("before")\ndef compat_fail():\n    raise ValueError("boom")\ncompat_fail()')
    assert ex.error is not None
    assert ex.error.name == "ValueError"
    assert ex.error.value == "boom"
    assert isinstance(ex.error.traceback, str)
    assert "compat_fail" in ex.error.traceback and "ValueError" in ex.error.traceback
    assert "".join(ex.logs.stdout) == "before\n", "output before the exception is kept"
    assert ex.results == []
    # The context survives the error.
    assert sbx.run_code("6*7").text == "42"


def test_callbacks_stream_while_the_cell_runs(sbx):
    # The cell waits (bounded) for a file that on_stdout creates when
    # "first" arrives: "second" can only follow if stdout streamed.
    gate = unique_path("gate")
    out, err, results, errors = [], [], [], []

    def on_stdout(m):
        out.append(m)
        if m.line == "first\n":
            sbx.files.write(gate, "")

    code = (
        "import os, sys, time\n"
        'print("first", flush=True)\n'
        "for _ in range(500):\n"
        f"    if os.path.exists({gate!r}): break\n"
        "    time.sleep(0.02)\n"
        f'print("second" if os.path.exists({gate!r}) else "no gate")\n'
        'print("to stderr", file=sys.stderr)\n'
        '"done"')
    ex = sbx.run_code(code, on_stdout=on_stdout, on_stderr=err.append,
                      on_result=results.append, on_error=errors.append)
    assert ex.error is None, ex.error and ex.error.traceback
    assert "".join(m.line for m in out) == "first\nsecond\n"
    assert "".join(m.line for m in err) == "to stderr\n"
    assert all(m.error is False for m in out) and all(m.error is True for m in err)
    # E2B's server passes the Jupyter message date on as an ISO-8601 string
    # (the SDK's "int" annotation notwithstanding); so does sbx.
    for m in out:
        assert datetime.fromisoformat(m.timestamp.replace("Z", "+00:00")).year >= 2024, m.timestamp
    assert [r.text for r in results] == ["done"]
    assert errors == []

    sbx.run_code('raise KeyError("k")', on_error=errors.append)
    assert [e.name for e in errors] == ["KeyError"]


def test_envs_apply_to_one_execution_only(sbx):
    value = 'per exec "quoted" it\'s \\ ok'
    ex = sbx.run_code(f'import os\nos.environ.get("SBX_COMPAT_VAR") == {value!r}', envs={"SBX_COMPAT_VAR": value})
    assert ex.error is None, ex.error and ex.error.traceback
    assert ex.text == "True"
    assert sbx.run_code('import os\nstr(os.environ.get("SBX_COMPAT_VAR"))').text == "None"


def test_dataframe_carries_data_and_html(sbx):
    ex = sbx.run_code('import pandas as pd\npd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})')
    assert ex.error is None, ex.error and ex.error.traceback
    main = [r for r in ex.results if r.is_main_result]
    assert len(main) == 1
    assert main[0].data == {"a": [1, 2, 3], "b": ["x", "y", "z"]}
    assert "<table" in (main[0].html or "")
    assert {"data", "html", "text"} <= set(main[0].formats())


def test_display_data_is_a_result_beside_the_main_one(sbx):
    ex = sbx.run_code(
        "from IPython.display import display, HTML, Markdown\n"
        'display(HTML("<b>bold</b>"))\n'
        'display(Markdown("# Title"))\n'
        "7")
    assert ex.error is None, ex.error and ex.error.traceback
    assert [(r.is_main_result, r.html, r.markdown) for r in ex.results[:2]] == [
        (False, "<b>bold</b>", None), (False, None, "# Title")]
    assert ex.results[2].is_main_result and ex.results[2].text == "7"
    assert ex.text == "7"


def test_cwd_of_the_default_context(sbx):
    want = os.environ.get("SBX_COMPAT_WORKDIR") or "/home/user"
    assert sbx.run_code("import os\nos.getcwd()").text == want


def test_timeout_raises_and_the_kernel_stays_usable(sbx):
    with pytest.raises(TimeoutException):
        sbx.run_code("import time\ntime.sleep(3)\n'late'", timeout=1)
    ex = sbx.run_code("'after'")
    assert ex.error is None, ex.error and ex.error.traceback
    assert ex.text == "after"
