// Fork through sbxd (API mode) with the official SDK: sandbox.fork() and
// Sandbox.fork(id, {count, timeoutMs}) make new sandboxes from the source's
// current state (a snapshot taken once, removed once they started); the
// source keeps its id, state and endAt.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, SandboxNotFoundError, InvalidArgumentError } from 'e2b'
import { API_MODE, API_ONLY, killAfter, RUN } from './helpers.mjs'

const T = { timeout: 120_000, ...API_ONLY }
const meta = { suite: RUN }

const src = API_MODE ? killAfter(await Sandbox.create({ metadata: meta, timeoutMs: 600_000 })) : null
if (src) await src.files.write('/home/user/state.txt', 'before the fork')

async function api (path, init = {}) {
  const res = await fetch(`${process.env.E2B_API_URL}${path}`, {
    ...init, headers: { 'X-API-KEY': process.env.E2B_API_KEY, 'Content-Type': 'application/json' }
  })
  return { status: res.status, body: await res.json().catch(() => null) }
}

test('fork(): one running copy with the files, independent of the source, which goes on', T, async () => {
  const before = await src.getInfo()
  const forks = await src.fork()
  assert.equal(forks.length, 1)
  const [f] = forks
  assert.ok(f instanceof Sandbox, String(f))
  killAfter(f)
  assert.notEqual(f.sandboxId, src.sandboxId)
  assert.equal(await src.isRunning(), true)
  assert.equal(await f.isRunning(), true)
  const after = await src.getInfo()
  assert.equal(after.state, 'running')
  assert.ok(Math.abs(after.endAt.getTime() - before.endAt.getTime()) < 2_000, 'the source\'s endAt stays')
  // E2B's default lifetime of a fork: 15 s.
  const fi = await f.getInfo()
  const left = fi.endAt.getTime() - Date.now()
  assert.ok(left > 5_000 && left <= 15_000, `fork ends in ${left} ms, want about 15 s`)
  assert.equal(await f.files.read('/home/user/state.txt'), 'before the fork')
  await f.files.write('/home/user/state.txt', 'changed in the fork')
  assert.equal(await src.files.read('/home/user/state.txt'), 'before the fork')
  await f.kill()
})

test('Sandbox.fork(id, {count, timeoutMs}): that many distinct sandboxes, each with the timeout', T, async () => {
  const forks = await Sandbox.fork(src.sandboxId, { count: 3, timeoutMs: 60_000 })
  assert.equal(forks.length, 3)
  for (const f of forks) assert.ok(f instanceof Sandbox, String(f))
  killAfter(...forks)
  const ids = new Set(forks.map((f) => f.sandboxId))
  assert.equal(ids.size, 3)
  assert.ok(!ids.has(src.sandboxId))
  for (const f of forks) {
    assert.equal(await f.files.read('/home/user/state.txt'), 'before the fork')
    const left = (await f.getInfo()).endAt.getTime() - Date.now()
    assert.ok(left > 50_000 && left <= 60_000, `endAt ${left} ms away`)
  }
  // The temporary snapshot is not left behind, nor ever listed.
  assert.deepEqual(await src.listSnapshots().nextItems(), [])
  await Promise.all(forks.map((f) => f.kill()))
})

test('a paused sandbox forks and stays paused', T, async () => {
  const s = killAfter(await Sandbox.create({ metadata: meta }))
  await s.files.write('/home/user/p.txt', 'paused')
  await s.pause()
  const [f] = await Sandbox.fork(s.sandboxId)
  killAfter(f)
  assert.ok(f instanceof Sandbox, String(f))
  assert.equal(await f.files.read('/home/user/p.txt'), 'paused')
  assert.equal((await s.getInfo()).state, 'paused')
  await Promise.all([f.kill(), s.kill()])
})

test('bad input: a killed or unknown sandbox is not found; count out of range', T, async () => {
  const doomed = await Sandbox.create({ metadata: meta })
  await doomed.kill()
  await assert.rejects(doomed.fork(), SandboxNotFoundError)
  await assert.rejects(Sandbox.fork('nosuchsandbox000000000'), SandboxNotFoundError)
  // Newer SDKs refuse count < 1 themselves (InvalidArgumentError); this one sends it.
  await assert.rejects(src.fork({ count: 0 }), (err) => {
    assert.ok(err instanceof InvalidArgumentError || err.statusCode === 400, String(err))
    return true
  })
  for (const count of [0, 21, 'two']) {
    const r = await api(`/sandboxes/${src.sandboxId}/fork`, { method: 'POST', body: JSON.stringify({ count }) })
    assert.equal(r.status, 400, `count ${count}`)
    assert.match(r.body.message, /count/)
  }
  const r = await api(`/sandboxes/${src.sandboxId}/fork`, { method: 'GET' })
  assert.equal(r.status, 405)
})
