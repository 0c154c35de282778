// Code contexts: POST/GET /contexts, POST /contexts/{id}/restart, DELETE /contexts/{id}.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { NotFoundError } from '@e2b/code-interpreter'
import { connect, LONG } from './helpers.mjs'

const sbx = await connect()
const created = []
// runCode leaves its requestTimeoutMs timer running when the server answers
// with an error status (SDK behaviour), which keeps node alive that long.
const FAILING = { requestTimeoutMs: 5_000 }

// Contexts this file made are removed even when a test fails half-way.
after(async () => {
  for (const c of created) await sbx.removeCodeContext(c).catch(() => {})
})

async function newContext (opts) {
  const ctx = await sbx.createCodeContext(opts)
  created.push(ctx)
  return ctx
}

test('createCodeContext returns id, language and cwd; listCodeContexts shows it', LONG, async () => {
  const ctx = await newContext({ cwd: '/tmp' })
  assert.equal(typeof ctx.id, 'string')
  assert.ok(ctx.id.length > 0)
  assert.equal(ctx.language, 'python')
  assert.equal(ctx.cwd, '/tmp')
  const listed = await sbx.listCodeContexts()
  assert.ok(Array.isArray(listed))
  assert.deepEqual(listed.find((c) => c.id === ctx.id), { id: ctx.id, language: 'python', cwd: '/tmp' })
  // The cwd is the kernel's working directory.
  assert.equal((await sbx.runCode('import os\nos.getcwd()', { context: ctx })).text, '/tmp')
})

test('a second context is isolated from the first and from the default', LONG, async () => {
  const a = await newContext()
  const b = await newContext()
  assert.notEqual(a.id, b.id)
  const set = await sbx.runCode('compat_ctx_secret = "only in a"', { context: a })
  assert.equal(set.error, undefined)
  assert.equal((await sbx.runCode('compat_ctx_secret', { context: a })).text, 'only in a')
  const inB = await sbx.runCode('compat_ctx_secret', { context: b })
  assert.equal(inB.error?.name, 'NameError')
  const inDefault = await sbx.runCode('compat_ctx_secret')
  assert.equal(inDefault.error?.name, 'NameError')
})

test('language selects the default context of that language', LONG, async () => {
  const ex = await sbx.runCode('import sys\nsys.version_info[0] + 40', { language: 'python' })
  assert.equal(ex.text, '43')
})

test('restartCodeContext loses state and keeps the context usable', LONG, async () => {
  const ctx = await newContext()
  await sbx.runCode('compat_before_restart = 1', { context: ctx })
  assert.equal((await sbx.runCode('compat_before_restart', { context: ctx })).text, '1')
  await sbx.restartCodeContext(ctx)
  const ex = await sbx.runCode('compat_before_restart', { context: ctx })
  assert.equal(ex.error?.name, 'NameError')
  assert.equal((await sbx.runCode('3*3', { context: ctx })).text, '9')
  assert.ok((await sbx.listCodeContexts()).some((c) => c.id === ctx.id), 'still listed after restart')
})

test('removeCodeContext drops it from the list; using it is NotFoundError', LONG, async () => {
  const ctx = await newContext()
  await sbx.removeCodeContext(ctx.id)
  assert.ok(!(await sbx.listCodeContexts()).some((c) => c.id === ctx.id), 'removed context still listed')
  await assert.rejects(sbx.runCode('1', { context: ctx, ...FAILING }), NotFoundError)
  await assert.rejects(sbx.restartCodeContext(ctx), NotFoundError)
  await assert.rejects(sbx.removeCodeContext(ctx), NotFoundError)
})

test('an unknown context id is NotFoundError', LONG, async () => {
  await assert.rejects(
    sbx.runCode('1', { context: { id: 'no-such-context', language: 'python', cwd: '/' }, ...FAILING }),
    NotFoundError)
})
