// Sandbox.create through sbxd (API mode): each template, env vars and
// metadata given at create, getInfo, and the errors of bad input.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox as BaseSandbox } from 'e2b'
import { Sandbox, AuthenticationError, NotFoundError, SandboxError, SandboxNotFoundError } from '@e2b/code-interpreter'
import { API_ONLY, killAfter, RUN, SHORT, LONG } from './helpers.mjs'

const NO_SUCH_ID = 'nosuchsandbox0000000'

// startedAt..endAt spans the timeout; both close to the create call.
function assertTimes (info, before, timeoutMs) {
  const after = Date.now()
  assert.ok(info.startedAt instanceof Date && info.endAt instanceof Date)
  assert.ok(info.startedAt.getTime() >= before - 1_000 && info.startedAt.getTime() <= after,
    `startedAt ${info.startedAt.toISOString()} not within the create call`)
  const span = info.endAt.getTime() - info.startedAt.getTime()
  assert.ok(Math.abs(span - timeoutMs) <= 1_000, `endAt - startedAt = ${span} ms, want ${timeoutMs}`)
}

test("e2b's Sandbox.create() starts the base template with its envs and metadata", { ...SHORT, ...API_ONLY }, async () => {
  const metadata = { suite: RUN, purpose: 'create-base' }
  const before = Date.now()
  const sbx = killAfter(await BaseSandbox.create({
    envs: { SBX_GREETING: 'hello from create', SBX_QUOTED: 'a "b" $c' },
    metadata,
    timeoutMs: 120_000
  }))
  assert.match(sbx.sandboxId, /^[a-z0-9]{20}$/)
  const info = await sbx.getInfo()
  assert.equal(info.sandboxId, sbx.sandboxId)
  assert.equal(info.templateId, 'base')
  assert.deepEqual(info.metadata, metadata)
  assert.equal(info.state, 'running')
  assertTimes(info, before, 120_000)
  const r = await sbx.commands.run('echo "$SBX_GREETING|$SBX_QUOTED"; pwd; whoami')
  assert.equal(r.stdout, 'hello from create|a "b" $c\n/home/user\nuser\n')
  assert.equal(await sbx.isRunning(), true)
})

test("@e2b/code-interpreter's Sandbox.create() starts code-interpreter-v1 with its envs and metadata", { ...LONG, ...API_ONLY }, async () => {
  const metadata = { suite: RUN, purpose: 'create-code' }
  const before = Date.now()
  const sbx = killAfter(await Sandbox.create({ envs: { SBX_GREETING: 'hi kernel' }, metadata }))
  const info = await sbx.getInfo()
  assert.equal(info.templateId, 'code-interpreter')
  assert.equal(info.name, 'code-interpreter-v1')
  assert.deepEqual(info.metadata, metadata)
  assert.equal(info.state, 'running')
  assertTimes(info, before, 300_000) // E2B's default timeout
  // Create-time envs reach commands and the kernel alike.
  assert.equal((await sbx.commands.run('echo "$SBX_GREETING"')).stdout, 'hi kernel\n')
  const ex = await sbx.runCode('import os\nos.environ.get("SBX_GREETING")')
  assert.equal(ex.error, undefined, ex.error?.traceback)
  assert.equal(ex.text, 'hi kernel')
})

test('an unknown template is a 404 SandboxError naming it', { ...SHORT, ...API_ONLY }, async () => {
  const err = await Sandbox.create('no-such-template').then(() => null, (e) => e)
  assert.ok(err instanceof SandboxError, `got ${err}`)
  assert.equal(err.statusCode, 404)
  assert.match(err.message, /no-such-template/)
})

test('an unknown sandbox id: connect and getInfo raise SandboxNotFoundError, kill is false', { ...SHORT, ...API_ONLY }, async () => {
  const err = await Sandbox.connect(NO_SUCH_ID).then(() => null, (e) => e)
  assert.ok(err instanceof SandboxNotFoundError, `connect: ${err}`)
  assert.ok(err instanceof NotFoundError)
  await assert.rejects(Sandbox.getInfo(NO_SUCH_ID), SandboxNotFoundError)
  assert.equal(await Sandbox.kill(NO_SUCH_ID), false)
})

test('a wrong API key is AuthenticationError, and nothing is created', { ...SHORT, ...API_ONLY }, async () => {
  const apiKey = 'sbx_0000000000000000000000000000000000000000'
  const metadata = { suite: RUN, purpose: 'wrong-key' }
  await assert.rejects(Sandbox.create({ apiKey, metadata }), AuthenticationError)
  await assert.rejects(Sandbox.list({ apiKey }).nextItems(), AuthenticationError)
  await assert.rejects(Sandbox.getInfo(NO_SUCH_ID, { apiKey }), AuthenticationError)
  assert.deepEqual(await Sandbox.list({ query: { metadata } }).nextItems(), [])
})
