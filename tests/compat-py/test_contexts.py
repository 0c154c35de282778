"""Code contexts: create_code_context, run_code(context=), list, restart, remove."""
import pytest
from e2b import NotFoundException


@pytest.fixture
def made(sbx):
    """Contexts a test creates, removed afterwards even when it fails."""
    ctxs = []
    yield ctxs
    for c in ctxs:
        try:
            sbx.remove_code_context(c)
        except Exception:
            pass


def test_create_returns_id_language_cwd_and_is_listed(sbx, made):
    ctx = sbx.create_code_context(cwd="/tmp")
    made.append(ctx)
    assert isinstance(ctx.id, str) and ctx.id
    assert (ctx.language, ctx.cwd) == ("python", "/tmp")
    listed = [c for c in sbx.list_code_contexts() if c.id == ctx.id]
    assert [(c.language, c.cwd) for c in listed] == [("python", "/tmp")]
    assert sbx.run_code("import os\nos.getcwd()", context=ctx).text == "/tmp"


def test_contexts_are_isolated(sbx, made):
    a = sbx.create_code_context()
    b = sbx.create_code_context()
    made.extend([a, b])
    assert a.id != b.id
    assert sbx.run_code('compat_ctx_secret = "only in a"', context=a).error is None
    assert sbx.run_code("compat_ctx_secret", context=a).text == "only in a"
    assert sbx.run_code("compat_ctx_secret", context=b).error.name == "NameError"
    assert sbx.run_code("compat_ctx_secret").error.name == "NameError"


def test_restart_loses_state_and_keeps_the_context(sbx, made):
    ctx = sbx.create_code_context()
    made.append(ctx)
    sbx.run_code("compat_before_restart = 1", context=ctx)
    assert sbx.run_code("compat_before_restart", context=ctx).text == "1"
    sbx.restart_code_context(ctx)
    assert sbx.run_code("compat_before_restart", context=ctx).error.name == "NameError"
    assert sbx.run_code("3*3", context=ctx).text == "9"
    assert any(c.id == ctx.id for c in sbx.list_code_contexts())


def test_remove_drops_it_and_using_it_is_not_found(sbx):
    ctx = sbx.create_code_context()
    sbx.remove_code_context(ctx.id)
    assert not any(c.id == ctx.id for c in sbx.list_code_contexts())
    with pytest.raises(NotFoundException):
        sbx.run_code("1", context=ctx, request_timeout=10)
    with pytest.raises(NotFoundException):
        sbx.restart_code_context(ctx)


def test_a_language_without_a_kernel_is_not_found_and_says_so(sbx):
    # No template has COBOL (r and js have kernels in code-interpreter now).
    with pytest.raises(NotFoundException) as ei:
        sbx.run_code("1", language="cobol", request_timeout=20)
    assert "'cobol'" in str(ei.value) and "python3" in str(ei.value), str(ei.value)
    with pytest.raises(NotFoundException):
        sbx.create_code_context(language="cobol")
