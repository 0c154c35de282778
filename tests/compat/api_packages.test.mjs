// E2B's doc example "Install packages during the sandbox runtime", as the
// doc writes it, against real code-interpreter sandboxes (API mode):
// `pip install cowsay` then `import cowsay` in a Python cell, `npm install
// cowsay` then require/import in a JavaScript cell, with the kernel already
// running or not; Debian's preinstalled Python stack is still there; a
// package that does not exist fails clearly.  The packages come from the
// tests' own registry (tests/registry, started by tests/run-compat.sh), which
// the sandboxes reach through their NAT: PIP_INDEX_URL/npm_config_registry
// are create-time envs, the commands are the doc's, unchanged.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Sandbox, CommandExitError } from '@e2b/code-interpreter'
import { API_MODE, API_ONLY, killAfter, RUN } from './helpers.mjs'

const REGISTRY = process.env.SBX_TEST_REGISTRY
if (API_MODE && !REGISTRY) throw new Error('SBX_TEST_REGISTRY is not set: run this file through tests/run-compat.sh --api')
const SLOW = { timeout: 180_000 } // pip/npm in a sandbox on a loaded 2-core machine

// A code-interpreter sandbox that installs from the tests' registry, killed
// when the test that made it ends (own = false: the caller kills it).
async function packagesSandbox (own = true) {
  const envs = {
    PIP_INDEX_URL: `${REGISTRY}/simple/`,
    PIP_TRUSTED_HOST: new URL(REGISTRY).hostname,
    npm_config_registry: `${REGISTRY}/npm/`
  }
  const sbx = await Sandbox.create({ envs, timeoutMs: 600_000, metadata: { suite: RUN } })
  return own ? killAfter(sbx) : sbx
}

// The requests the registry served, from its log ("ADDR \"GET PATH ...\" CODE -").
function served (path) {
  const log = readFileSync(process.env.SBX_TEST_REGISTRY_LOG, 'utf8')
  return log.split('\n').filter((l) => l.includes(`"GET ${path} `))
}

// What a failed command threw: run() rejects on a non-zero exit.
async function failing (p) {
  try {
    const r = await p
    assert.fail(`the command succeeded: ${JSON.stringify(r)}`)
  } catch (e) {
    if (!(e instanceof CommandExitError)) throw e
    return e
  }
}

test('pip: the doc example, `pip install cowsay` then `import cowsay` in a cell', { ...SLOW, ...API_ONLY }, async () => {
  const sbx = await packagesSandbox()
  const pip = await sbx.commands.run('pip install cowsay')
  assert.equal(pip.exitCode, 0)
  assert.match(pip.stdout, /Successfully installed cowsay-6\.1/)
  const execution = await sbx.runCode(`
  import cowsay
  cowsay.cow("Hello, world!")
`)
  assert.equal(execution.error, undefined, execution.error?.traceback)
  const out = execution.logs.stdout.join('')
  assert.match(out, /\| Hello, world! \|/)
  assert.match(out, /\^__\^/)
  // It came from the tests' registry, through the sandbox's NAT.
  assert.ok(served('/simple/cowsay/').length > 0, 'the registry served /simple/cowsay/')
  assert.ok(served('/files/cowsay-6.1-py3-none-any.whl').length > 0, 'the registry served the wheel')
})

test('pip install with the kernel already running: import works without a restart; Debian\'s stack stays', { ...SLOW, ...API_ONLY }, async () => {
  const sbx = await packagesSandbox()
  const before = await sbx.runCode('import numpy, sys\nprint(numpy.__version__, numpy.__file__)')
  assert.equal(before.error, undefined, before.error?.traceback)
  const gone = await sbx.runCode('import cowsay')
  assert.equal(gone.error?.name, 'ModuleNotFoundError', 'cowsay is not there before the install')

  const pip = await sbx.commands.run('pip install cowsay')
  assert.equal(pip.exitCode, 0)
  const execution = await sbx.runCode('import cowsay\ncowsay.get_output_string("cow", "hi from pip")')
  assert.equal(execution.error, undefined, execution.error?.traceback)
  assert.match(execution.text, /\| hi from pip \|/)
  const where = await sbx.runCode('print(cowsay.__file__)')
  assert.match(where.logs.stdout.join(''), /^\/home\/user\/\.local\/lib\/python3\.\d+\/site-packages\/cowsay\/__init__\.py\n$/)

  // Debian's numpy is still what the kernel and pip see.
  const list = await sbx.commands.run('pip list')
  assert.match(list.stdout, /^numpy +1\.24\.\d+$/m)
  assert.match(list.stdout, /^cowsay +6\.1$/m)
  const numpy = await sbx.runCode('import importlib; importlib.reload(numpy); print(numpy.__version__, numpy.__file__)')
  assert.equal(numpy.logs.stdout.join(''), before.logs.stdout.join(''))
  assert.match(numpy.logs.stdout.join(''), /^1\.24\.\d+ \/usr\/lib\/python3\/dist-packages\/numpy\/__init__\.py\n$/)
})

// The failures share one sandbox: they change nothing in it.
let failSandbox
const failures = async () => (failSandbox ??= await packagesSandbox(false))
after(() => failSandbox?.kill().catch(() => {}))

test('pip install of a package that does not exist: exit code 1, pip\'s error on stderr', { ...SLOW, ...API_ONLY }, async () => {
  const sbx = await failures()
  const e = await failing(sbx.commands.run('pip install no-such-package-sbx'))
  assert.equal(e.exitCode, 1)
  assert.match(e.stderr, /No matching distribution found for no-such-package-sbx/)
})

test('npm: the doc example, `npm install cowsay` then require and import in JavaScript cells', { ...SLOW, ...API_ONLY }, async () => {
  const sbx = await packagesSandbox()
  const npm = await sbx.commands.run('npm install cowsay')
  assert.equal(npm.exitCode, 0, npm.stderr)
  assert.match(npm.stdout, /added \d+ packages?/)
  const execution = await sbx.runCode(`
  const cowsay = require('cowsay')
  console.log(cowsay.say({ text: 'Hello, world!' }))
`, { language: 'javascript' })
  assert.equal(execution.error, undefined, execution.error?.traceback)
  assert.match(execution.logs.stdout.join(''), /< Hello, world! >/)

  const imported = await sbx.runCode(
    "import { say } from 'cowsay'\nconsole.log(say({ text: 'imported' }))", { language: 'javascript' })
  assert.equal(imported.error, undefined, imported.error?.traceback)
  assert.match(imported.logs.stdout.join(''), /< imported >/)
  // Every tarball of the tree came from the tests' registry.
  assert.ok(served('/npm/cowsay/-/cowsay-1.6.0.tgz').length > 0, 'the registry served cowsay')
  assert.ok(served('/npm/yargs/-/yargs-15.4.1.tgz').length > 0, 'the registry served a dependency')
})

test('npm install with the JavaScript kernel already running: require and import work without a restart', { ...SLOW, ...API_ONLY }, async () => {
  const sbx = await packagesSandbox()
  const first = await sbx.runCode('1 + 1', { language: 'javascript' })
  assert.equal(first.error, undefined, first.error?.traceback)
  assert.equal(first.text, '2')
  const npm = await sbx.commands.run('npm install cowsay')
  assert.equal(npm.exitCode, 0, npm.stderr)
  const required = await sbx.runCode(
    "console.log(require('cowsay').say({ text: 'required later' }))", { language: 'javascript' })
  assert.equal(required.error, undefined, required.error?.traceback)
  assert.match(required.logs.stdout.join(''), /< required later >/)
  const imported = await sbx.runCode(
    "import * as cs from 'cowsay'\nconsole.log(cs.say({ text: 'imported later' }))", { language: 'javascript' })
  assert.equal(imported.error, undefined, imported.error?.traceback)
  assert.match(imported.logs.stdout.join(''), /< imported later >/)
})

test('npm install of a package that does not exist: exit code 1, E404 on stderr', { ...SLOW, ...API_ONLY }, async () => {
  const sbx = await failures()
  const e = await failing(sbx.commands.run('npm install no-such-package-sbx'))
  assert.equal(e.exitCode, 1)
  assert.match(e.stderr, /E404/)
  assert.match(e.stderr, /no-such-package-sbx/)
})
