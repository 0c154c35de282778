"""E2B's doc example "Install packages during the sandbox runtime", as the doc
writes it, with the Python SDK against real code-interpreter sandboxes (API
mode): `pip install cowsay` then `import cowsay` in a Python cell, `npm
install cowsay` then require/import in a JavaScript cell, with the kernel
already running or not; Debian's preinstalled stack is still there; a
package that does not exist fails clearly.  The packages come from the
tests' own registry (tests/registry, started by tests/run-compat-py.sh),
which the sandboxes reach through their NAT: PIP_INDEX_URL and
npm_config_registry are create-time envs, the commands are the doc's."""
import os
import re
from urllib.parse import urlsplit

import pytest
from e2b import CommandExitException

from conftest import API_MODE, RUN, dispose, new_sandbox

if not API_MODE:
    pytest.skip("needs sbxd (API mode)", allow_module_level=True)

REGISTRY = os.environ.get("SBX_TEST_REGISTRY")
if not REGISTRY:
    raise RuntimeError("SBX_TEST_REGISTRY is not set: run this file through tests/run-compat-py.sh --api")
SLOW = pytest.mark.timeout_s(180)  # pip/npm in a sandbox on a loaded 2-core machine


def packages_sandbox():
    """A code-interpreter sandbox that installs from the tests' registry."""
    envs = {
        "PIP_INDEX_URL": f"{REGISTRY}/simple/",
        "PIP_TRUSTED_HOST": urlsplit(REGISTRY).hostname,
        "npm_config_registry": f"{REGISTRY}/npm/",
    }
    return new_sandbox(envs=envs, metadata={"suite": RUN})


@pytest.fixture
def fresh():
    """Sandboxes a test makes that install from the tests' registry, killed
    afterwards even when it fails."""
    made = []

    def make():
        s = packages_sandbox()
        made.append(s)
        return s
    yield make
    for s in made:
        dispose(s)


@pytest.fixture(scope="module")
def failures():
    """One sandbox for the failing installs: they change nothing in it."""
    s = packages_sandbox()
    yield s
    dispose(s)


def served(path):
    """The registry log's lines for GET path."""
    with open(os.environ["SBX_TEST_REGISTRY_LOG"]) as f:
        return [l for l in f if f'"GET {path} ' in l]


def stdout(execution):
    return "".join(execution.logs.stdout)


@SLOW
def test_pip_doc_example(fresh):
    sbx = fresh()
    pip = sbx.commands.run("pip install cowsay")
    assert pip.exit_code == 0
    assert "Successfully installed cowsay-6.1" in pip.stdout
    execution = sbx.run_code("""
  import cowsay
  cowsay.cow("Hello, world!")
""")
    assert execution.error is None, execution.error and execution.error.traceback
    assert "| Hello, world! |" in stdout(execution)
    assert "^__^" in stdout(execution)
    # From the tests' registry, through the sandbox's NAT.
    assert served("/simple/cowsay/")
    assert served("/files/cowsay-6.1-py3-none-any.whl")


@SLOW
def test_pip_install_with_the_kernel_running_and_debian_stack_kept(fresh):
    sbx = fresh()
    before = sbx.run_code("import numpy\nprint(numpy.__version__, numpy.__file__)")
    assert before.error is None, before.error and before.error.traceback
    missing = sbx.run_code("import cowsay")
    assert missing.error is not None and missing.error.name == "ModuleNotFoundError"

    assert sbx.commands.run("pip install cowsay").exit_code == 0
    execution = sbx.run_code('import cowsay\ncowsay.get_output_string("cow", "hi from pip")')
    assert execution.error is None, execution.error and execution.error.traceback
    assert "| hi from pip |" in execution.text
    where = sbx.run_code("print(cowsay.__file__)")
    assert re.fullmatch(r"/home/user/\.local/lib/python3\.\d+/site-packages/cowsay/__init__\.py\n", stdout(where))

    # Debian's numpy is still what pip and the kernel see.
    listed = sbx.commands.run("pip list").stdout
    assert re.search(r"^numpy +1\.24\.\d+$", listed, re.M), listed
    assert re.search(r"^cowsay +6\.1$", listed, re.M), listed
    again = sbx.run_code("import importlib\nimportlib.reload(numpy)\nprint(numpy.__version__, numpy.__file__)")
    assert stdout(again) == stdout(before)
    assert re.fullmatch(r"1\.24\.\d+ /usr/lib/python3/dist-packages/numpy/__init__\.py\n", stdout(again))


@SLOW
def test_pip_install_of_a_missing_package_fails_clearly(failures):
    with pytest.raises(CommandExitException) as e:
        failures.commands.run("pip install no-such-package-sbx")
    assert e.value.exit_code == 1
    assert "No matching distribution found for no-such-package-sbx" in e.value.stderr


@SLOW
def test_npm_doc_example_require_and_import(fresh):
    sbx = fresh()
    npm = sbx.commands.run("npm install cowsay")
    assert npm.exit_code == 0, npm.stderr
    assert re.search(r"added \d+ packages?", npm.stdout)
    execution = sbx.run_code("""
  const cowsay = require('cowsay')
  console.log(cowsay.say({ text: 'Hello, world!' }))
""", language="javascript")
    assert execution.error is None, execution.error and execution.error.traceback
    assert "< Hello, world! >" in stdout(execution)
    imported = sbx.run_code("import { say } from 'cowsay'\nconsole.log(say({ text: 'imported' }))",
                            language="javascript")
    assert imported.error is None, imported.error and imported.error.traceback
    assert "< imported >" in stdout(imported)
    assert served("/npm/cowsay/-/cowsay-1.6.0.tgz")
    assert served("/npm/yargs/-/yargs-15.4.1.tgz")


@SLOW
def test_npm_install_with_the_javascript_kernel_running(fresh):
    sbx = fresh()
    first = sbx.run_code("1 + 1", language="javascript")
    assert first.error is None and first.text == "2"
    assert sbx.commands.run("npm install cowsay").exit_code == 0
    required = sbx.run_code("console.log(require('cowsay').say({ text: 'required later' }))",
                            language="javascript")
    assert required.error is None, required.error and required.error.traceback
    assert "< required later >" in stdout(required)
    imported = sbx.run_code("import * as cs from 'cowsay'\nconsole.log(cs.say({ text: 'imported later' }))",
                            language="javascript")
    assert imported.error is None, imported.error and imported.error.traceback
    assert "< imported later >" in stdout(imported)


@SLOW
def test_npm_install_of_a_missing_package_fails_clearly(failures):
    with pytest.raises(CommandExitException) as e:
        failures.commands.run("npm install no-such-package-sbx")
    assert e.value.exit_code == 1
    assert "E404" in e.value.stderr
    assert "no-such-package-sbx" in e.value.stderr
