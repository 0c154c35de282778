// User snapshots through sbxd (API mode) with the official SDK:
// sandbox.createSnapshot / Sandbox.createSnapshot, listSnapshots (filters,
// pages), deleteSnapshot, Sandbox.create(snapshotId).  What a snapshot keeps
// depends on the runtime (docs/sbxd.md): the filesystem everywhere, and the
// memory (running processes) on VM runtimes only.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, SandboxError, SandboxNotFoundError } from 'e2b'
import { API_MODE, API_ONLY, killAfter, RUN } from './helpers.mjs'

const T = { timeout: 120_000, ...API_ONLY }
const meta = { suite: RUN }

// sbxd's own view of a sandbox (its runtime is not in the SDK's SandboxInfo).
async function raw (id) {
  const res = await fetch(`${process.env.E2B_API_URL}/sandboxes/${id}`, {
    headers: { 'X-API-KEY': process.env.E2B_API_KEY }
  })
  assert.equal(res.status, 200, `GET /sandboxes/${id}`)
  return res.json()
}

// The source the tests share: a file in the home dir, one in a new dir, a
// template file removed (an overlay whiteout), a file owned by `user`.
const src = API_MODE ? killAfter(await Sandbox.create({ metadata: meta, timeoutMs: 600_000 })) : null
if (src) {
  await src.files.write('/home/user/keep.txt', 'written before the snapshot')
  await src.files.makeDir('/home/user/app/conf')
  await src.files.write('/home/user/app/conf/app.json', '{"env":"snap"}')
  await src.commands.run('rm /etc/os-release && echo mine > /home/user/owned && chown user:user /home/user/owned', { user: 'root' })
}
const runtime = src ? (await raw(src.sandboxId)).runtime : null

function cleanup (...ids) {
  return Promise.all(ids.map((id) => Sandbox.deleteSnapshot(id).catch(() => {})))
}

test('createSnapshot: a new sandbox from it has the files, the deletions and the owners; the source goes on', T, async () => {
  const before = await src.getInfo()
  const snap = await src.createSnapshot()
  try {
    assert.match(snap.snapshotId, /^[a-z0-9]+:default$/)
    assert.deepEqual(snap.names, [])
    // The source: same id, running, endAt untouched, still writable.
    const after = await src.getInfo()
    assert.equal(after.sandboxId, src.sandboxId)
    assert.equal(after.state, 'running')
    assert.ok(Math.abs(after.endAt.getTime() - before.endAt.getTime()) < 2_000,
      `endAt moved by ${after.endAt.getTime() - before.endAt.getTime()} ms`)
    assert.equal(await src.isRunning(), true)

    const copy = killAfter(await Sandbox.create(snap.snapshotId, { metadata: meta }))
    assert.notEqual(copy.sandboxId, src.sandboxId)
    assert.equal((await copy.getInfo()).templateId, snap.snapshotId)
    assert.equal((await raw(copy.sandboxId)).runtime, runtime, 'the snapshot\'s runtime')
    assert.equal(await copy.files.read('/home/user/keep.txt'), 'written before the snapshot')
    assert.equal(await copy.files.read('/home/user/app/conf/app.json'), '{"env":"snap"}')
    assert.equal(await copy.files.exists('/etc/os-release'), false, 'a deleted template file stays deleted')
    const st = await copy.commands.run('stat -c %U:%G /home/user/owned /home/user/keep.txt; id -un')
    assert.equal(st.stdout, 'user:user\nuser:user\nuser\n')
    // Its own hostname, not the source's.
    assert.equal((await copy.commands.run('hostname')).stdout.trim(), copy.sandboxId)
    // Independent of each other both ways.
    await copy.files.write('/home/user/keep.txt', 'changed in the copy')
    assert.equal(await src.files.read('/home/user/keep.txt'), 'written before the snapshot')
    await src.files.write('/home/user/later.txt', 'after the snapshot')
    assert.equal(await copy.files.exists('/home/user/later.txt'), false)
    await copy.kill()
  } finally {
    await cleanup(snap.snapshotId)
  }
})

test('two sandboxes from one snapshot do not share their files', T, async () => {
  const snap = await Sandbox.createSnapshot(src.sandboxId)
  try {
    const [a, b] = await Promise.all([Sandbox.create(snap.snapshotId, { metadata: meta }),
      Sandbox.create(snap.snapshotId, { metadata: meta })])
    killAfter(a, b)
    await a.files.write('/home/user/keep.txt', 'a')
    assert.equal(await b.files.read('/home/user/keep.txt'), 'written before the snapshot')
    await Promise.all([a.kill(), b.kill()])
  } finally {
    await cleanup(snap.snapshotId)
  }
})

test('processes: kept with the memory on VM runtimes, started fresh on ns', T, async () => {
  const proc = await src.commands.run('sleep 4242', { background: true })
  const snap = await src.createSnapshot()
  try {
    const copy = killAfter(await Sandbox.create(snap.snapshotId, { metadata: meta }))
    const ps = await copy.commands.run('pgrep -fx "sleep 4242" || true')
    if (runtime === 'ns') assert.equal(ps.stdout.trim(), '', 'ns snapshots keep the filesystem only')
    else assert.notEqual(ps.stdout.trim(), '', `${runtime} snapshots keep running processes`)
    await copy.kill()
  } finally {
    await proc.kill()
    await cleanup(snap.snapshotId)
  }
})

test('named snapshots: E2B\'s id and names; create and list by name; the name moves to a new snapshot', T, async () => {
  const name = `snap-${RUN}`
  const first = await src.createSnapshot({ name })
  try {
    assert.equal(first.snapshotId, `${name}:default`)
    assert.deepEqual(first.names, [`local/${name}:default`])
    for (const ref of [name, `${name}:default`, `local/${name}`, `local/${name}:default`]) {
      const found = await Sandbox.listSnapshots({ name: ref }).nextItems()
      assert.deepEqual(found.map((s) => s.snapshotId), [first.snapshotId], `listed by ${ref}`)
    }
    assert.deepEqual(await Sandbox.listSnapshots({ name: `${name}-none` }).nextItems(), [])
    // The same name again: one snapshot under that name, the newer state.
    await src.files.write('/home/user/version.txt', 'two')
    const second = await src.createSnapshot({ name })
    assert.equal(second.snapshotId, first.snapshotId)
    assert.equal((await Sandbox.listSnapshots({ name }).nextItems()).length, 1)
    const copy = killAfter(await Sandbox.create(name, { metadata: meta }))
    assert.equal(await copy.files.read('/home/user/version.txt'), 'two')
    await copy.kill()
  } finally {
    await cleanup(first.snapshotId)
  }
})

test('listSnapshots: all, one sandbox\'s, and in pages', T, async () => {
  const other = killAfter(await Sandbox.create({ metadata: meta }))
  const mine = [await src.createSnapshot(), await src.createSnapshot()]
  const theirs = await other.createSnapshot()
  try {
    const all = Sandbox.listSnapshots()
    assert.equal(all.hasNext, true)
    const ids = (await all.nextItems()).map((s) => s.snapshotId)
    for (const s of [...mine, theirs]) assert.ok(ids.includes(s.snapshotId), `${s.snapshotId} listed`)
    const own = (await src.listSnapshots().nextItems()).map((s) => s.snapshotId)
    assert.deepEqual(own.filter((id) => id === theirs.snapshotId), [], 'another sandbox\'s is not listed')
    for (const s of mine) assert.ok(own.includes(s.snapshotId))
    // Pages of one: every snapshot of src once, in order, then no more.
    const pages = src.listSnapshots({ limit: 1 })
    const seen = []
    while (pages.hasNext) {
      const items = await pages.nextItems()
      assert.ok(items.length <= 1)
      seen.push(...items.map((s) => s.snapshotId))
    }
    assert.deepEqual(seen, own)
  } finally {
    await cleanup(...mine.map((s) => s.snapshotId), theirs.snapshotId)
    await other.kill()
  }
})

test('a paused sandbox is snapshotted and stays paused; a snapshot outlives its source', T, async () => {
  const s = killAfter(await Sandbox.create({ metadata: meta }))
  await s.files.write('/home/user/paused.txt', 'paused state')
  await s.pause()
  const snap = await Sandbox.createSnapshot(s.sandboxId)
  try {
    assert.equal((await s.getInfo()).state, 'paused')
    await s.kill()
    const copy = killAfter(await Sandbox.create(snap.snapshotId, { metadata: meta }))
    assert.equal(await copy.files.read('/home/user/paused.txt'), 'paused state')
    await copy.kill()
  } finally {
    await cleanup(snap.snapshotId)
  }
})

test('deleteSnapshot: true, then false; a create from it is a 404', T, async () => {
  const snap = await src.createSnapshot()
  assert.equal(await Sandbox.deleteSnapshot(snap.snapshotId), true)
  assert.equal(await Sandbox.deleteSnapshot(snap.snapshotId), false)
  assert.ok(!(await Sandbox.listSnapshots().nextItems()).some((s) => s.snapshotId === snap.snapshotId))
  await assert.rejects(Sandbox.create(snap.snapshotId, { metadata: meta }), (err) => {
    assert.ok(err instanceof SandboxError, String(err))
    assert.equal(err.statusCode, 404)
    assert.match(err.message, /snapshot/)
    return true
  })
})

test('bad input: unknown or killed sandbox, a bad name, a bad page token', T, async () => {
  await assert.rejects(Sandbox.createSnapshot('nosuchsandbox000000000'), SandboxNotFoundError)
  const doomed = await Sandbox.create({ metadata: meta })
  await doomed.kill()
  await assert.rejects(doomed.createSnapshot(), SandboxNotFoundError)
  await assert.rejects(src.createSnapshot({ name: 'Bad Name!' }), (err) => {
    assert.equal(err.statusCode, 400)
    assert.match(err.message, /snapshot name/)
    return true
  })
  const res = await fetch(`${process.env.E2B_API_URL}/snapshots?nextToken=nosuch`, {
    headers: { 'X-API-KEY': process.env.E2B_API_KEY }
  })
  assert.equal(res.status, 400)
  assert.match((await res.json()).message, /nextToken/)
})
