// A template built from an E2B template directory, unchanged
// (tests/fixtures/e2b-template: e2b.toml + e2b.Dockerfile FROM e2bdev/base;
// the runner builds it with `sbx template build`), through the official
// SDK: Sandbox.create(template_name) and Sandbox.create(template_id) give
// sandboxes with the Dockerfile's ENV, WORKDIR, USER, COPY and RUN in
// effect, e2b.toml's cpu_count/memory_mb, and start_cmd's server running
// (create waited for ready_cmd); a start_cmd that fails fails the create.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, SandboxError } from 'e2b'
import { API_ONLY, killAfter, RUN } from './helpers.mjs'

const NAME = 'sbx-e2b-fixture' // e2b.toml's template_name
const ID = 'e2bfixture000000001' // e2b.toml's template_id
const T = { timeout: 60_000 }

// What the e2b.Dockerfile and start_cmd made, seen through the SDK.
async function checkFixture (sbx) {
  const env = await sbx.commands.run('echo "$GREETING|$APP_HOME|$(pwd)|$(id -un)"')
  assert.equal(env.stdout, 'hello from e2b.Dockerfile|/app|/app|user\n', 'ENV, WORKDIR, USER')
  assert.equal(await sbx.files.read('/app/run-marker'), 'built-by-run\n', 'RUN as root')
  assert.equal(await sbx.files.read('/app/whoami'), 'ran as user in /app\n', 'RUN after USER and WORKDIR')
  assert.equal(await sbx.files.read('/app/data/note.txt'), 'copied by COPY\n', 'COPY of a directory')
  const py = await sbx.commands.run('python3 greet.py; stat -c %U greet.py')
  assert.equal(py.stdout, 'hello from e2b.Dockerfile\nuser\n', 'COPY --chown, run in the workdir with the ENV')
  // start_cmd's process is one the sandbox's envd knows, and it serves.
  const procs = await sbx.commands.list()
  const server = procs.filter((p) => [p.cmd, ...p.args].join(' ').includes('http.server 8000'))
  assert.equal(server.length, 1, `start_cmd among ${JSON.stringify(procs.map((p) => p.args))}`)
  const up = await sbx.commands.run('curl -sf http://127.0.0.1:8000/data/note.txt; pgrep -u user -f "http.server 8000" >/dev/null && echo as-user')
  assert.equal(up.stdout, 'copied by COPY\nas-user\n', "start_cmd's server answers at once, as USER")
}

test(`Sandbox.create('${NAME}'), e2b.toml's template_name`, { ...T, ...API_ONLY }, async () => {
  const sbx = killAfter(await Sandbox.create(NAME, { metadata: { suite: RUN }, timeoutMs: 120_000 }))
  const info = await sbx.getInfo()
  assert.equal(info.templateId, NAME)
  assert.equal(info.name, NAME)
  assert.equal(info.cpuCount, 1, "e2b.toml's cpu_count")
  assert.equal(info.memoryMB, 1024, "e2b.toml's memory_mb (1_024)")
  await checkFixture(sbx)
})

test(`Sandbox.create('${ID}'), e2b.toml's template_id, is the same template`, { ...T, ...API_ONLY }, async () => {
  const sbx = killAfter(await Sandbox.create(ID, { metadata: { suite: RUN }, timeoutMs: 120_000 }))
  const info = await sbx.getInfo()
  assert.equal(info.templateId, NAME)
  assert.equal(info.name, ID)
  await checkFixture(sbx)
})

test('a start_cmd that fails fails Sandbox.create, saying why, and leaves no sandbox', { ...T, ...API_ONLY }, async () => {
  const metadata = { suite: RUN, purpose: 'failing-start-cmd' }
  // The fixture's start_cmd exits 7 with FAIL_START's text when it is set.
  const err = await Sandbox.create(NAME, { envs: { FAIL_START: 'port 8000 is taken' }, metadata })
    .then((s) => { killAfter(s); return null }, (e) => e)
  assert.ok(err instanceof SandboxError, `got ${err}`)
  assert.match(err.message, /start_cmd \(.*\) ended with exit status 7 before ready; its output ends with: port 8000 is taken/)
  assert.deepEqual(await Sandbox.list({ query: { metadata } }).nextItems(), [])
})
