"""A template built from an E2B template directory, unchanged
(tests/fixtures/e2b-template: e2b.toml + e2b.Dockerfile FROM e2bdev/base;
the runner builds it with `sbx template build`), through the official
Python SDK: Sandbox.create(template_name) and Sandbox.create(template_id)
give sandboxes with the Dockerfile's ENV, WORKDIR, USER, COPY and RUN in
effect, e2b.toml's cpu_count/memory_mb, and start_cmd's server running
(create waited for ready_cmd); a start_cmd that fails fails the create."""
import re

import pytest
from e2b import Sandbox, SandboxException, SandboxQuery

from conftest import API_MODE, RUN, dispose

if not API_MODE:
    pytest.skip("needs sbxd (API mode)", allow_module_level=True)

NAME = "sbx-e2b-fixture"       # e2b.toml's template_name
TEMPLATE_ID = "e2bfixture000000001"  # e2b.toml's template_id


@pytest.fixture
def fresh():
    made = []

    def make(template, **kw):
        s = Sandbox.create(template, timeout=120, metadata={"suite": RUN}, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        dispose(s)


def check_fixture(sbx):
    """What the e2b.Dockerfile and start_cmd made, seen through the SDK."""
    env = sbx.commands.run('echo "$GREETING|$APP_HOME|$(pwd)|$(id -un)"')
    assert env.stdout == "hello from e2b.Dockerfile|/app|/app|user\n", "ENV, WORKDIR, USER"
    assert sbx.files.read("/app/run-marker") == "built-by-run\n", "RUN as root"
    assert sbx.files.read("/app/whoami") == "ran as user in /app\n", "RUN after USER and WORKDIR"
    assert sbx.files.read("/app/data/note.txt") == "copied by COPY\n", "COPY of a directory"
    py = sbx.commands.run("python3 greet.py; stat -c %U greet.py")
    assert py.stdout == "hello from e2b.Dockerfile\nuser\n", "COPY --chown, the workdir, the ENV"
    # start_cmd's process is one the sandbox's envd knows, and it serves.
    procs = sbx.commands.list()
    server = [p for p in procs if "http.server 8000" in " ".join([p.cmd, *p.args])]
    assert len(server) == 1, f"start_cmd among {[p.args for p in procs]}"
    up = sbx.commands.run(
        'curl -sf http://127.0.0.1:8000/data/note.txt; pgrep -u user -f "http.server 8000" >/dev/null && echo as-user')
    assert up.stdout == "copied by COPY\nas-user\n", "start_cmd's server answers at once, as USER"


def test_create_by_template_name(fresh):
    sbx = fresh(NAME)
    info = sbx.get_info()
    assert info.template_id == NAME
    assert info.name == NAME
    assert (info.cpu_count, info.memory_mb) == (1, 1024), "e2b.toml's cpu_count and memory_mb (1_024)"
    check_fixture(sbx)


def test_create_by_template_id_is_the_same_template(fresh):
    sbx = fresh(TEMPLATE_ID)
    info = sbx.get_info()
    assert info.template_id == NAME
    assert info.name == TEMPLATE_ID
    check_fixture(sbx)


def test_a_failing_start_cmd_fails_create_and_leaves_no_sandbox(fresh):
    metadata = {"suite": RUN, "purpose": "failing-start-cmd"}
    # The fixture's start_cmd exits 7 with FAIL_START's text when it is set.
    with pytest.raises(SandboxException) as ei:
        Sandbox.create(NAME, envs={"FAIL_START": "port 8000 is taken"}, metadata=metadata, timeout=120)
    assert re.search(r"start_cmd \(.*\) ended with exit status 7 before ready; "
                     r"its output ends with: port 8000 is taken", str(ei.value)), str(ei.value)
    assert Sandbox.list(query=SandboxQuery(metadata=metadata)).next_items() == []
