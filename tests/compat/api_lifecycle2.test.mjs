// Issue 12's lifecycle through the JS SDK (API mode): filesystem-only
// pause (pause({keepMemory: false}), onTimeout {action: 'pause',
// keepMemory: false}, connect({onResume: 'reboot'})), autoResume on a
// data-plane request (memory- and disk-paused), refreshes, and
// getMetrics({start, end}).  On ns a filesystem-only pause stops every
// process and keeps the disk; the resume starts a new init on it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from 'e2b'
import { API_ONLY, killAfter, RUN, SHORT, LONG, until, sleep } from './helpers.mjs'

const API = process.env.E2B_API_URL
const KEY = process.env.E2B_API_KEY
const meta = { suite: RUN }

async function lastEvent (id) {
  const res = await fetch(`${API}/events/sandboxes/${id}`, { headers: { 'X-API-Key': KEY } })
  return (await res.json())[0]
}

// The pid of a marker process ('sleep N'), or '' when it is gone; the
// pattern [s]leep does not match the shell that runs pgrep.
async function markerPid (s, tag) {
  return (await s.commands.run(`pgrep -f '[${tag[0]}]${tag.slice(1)}' || true`)).stdout.trim()
}

test('pause({keepMemory: false}): processes gone, files and envs kept, same id and token', { ...LONG, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: meta, envs: { LIFE_VAR: 'kept' } }))
  await s.files.write('/home/user/fs-only.txt', 'on the disk')
  await s.commands.run('sleep 3333', { background: true })
  assert.notEqual(await markerPid(s, 'sleep 3333'), '')

  assert.equal(await s.pause({ keepMemory: false }), true)
  assert.equal((await s.getInfo()).state, 'paused')
  assert.equal(await s.isRunning(), false)
  assert.equal(await s.pause({ keepMemory: false }), false, 'pausing twice is false (409)')
  assert.equal((await lastEvent(s.sandboxId)).eventData.memory, false)
  const listed = await Sandbox.list({ query: { metadata: meta, state: ['paused'] } }).nextItems()
  assert.ok(listed.some((x) => x.sandboxId === s.sandboxId), 'listed as paused')

  const back = await s.connect()
  assert.equal(back.sandboxId, s.sandboxId)
  assert.equal((await s.getInfo()).state, 'running')
  assert.equal(await s.files.read('/home/user/fs-only.txt'), 'on the disk')
  assert.equal(await markerPid(s, 'sleep 3333'), '', 'the process did not survive a filesystem-only pause')
  assert.equal((await s.commands.run('echo $LIFE_VAR')).stdout.trim(), 'kept')
  assert.equal((await s.commands.run('whoami')).stdout.trim(), 'user', 'the template user is the default again')
  // and it pauses and resumes with memory as before
  await s.commands.run('sleep 4444', { background: true })
  assert.equal(await s.pause(), true)
  await s.connect()
  assert.notEqual(await markerPid(s, 'sleep 4444'), '', 'a memory pause keeps processes')
})

test('connect({onResume: "reboot"}) on a memory-paused sandbox starts it afresh from its disk', { ...LONG, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: meta }))
  await s.files.write('/home/user/reboot.txt', 'still here')
  await s.commands.run('sleep 5555', { background: true })
  assert.equal(await s.pause(), true)
  const back = await Sandbox.connect(s.sandboxId, { onResume: 'reboot' })
  assert.equal(await back.files.read('/home/user/reboot.txt'), 'still here')
  assert.equal(await markerPid(back, 'sleep 5555'), '')
})

test('onTimeout {action: "pause", keepMemory: false}: the timeout pauses to disk; connect brings it back', { ...LONG, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: meta, timeoutMs: 3_000, lifecycle: { onTimeout: { action: 'pause', keepMemory: false } } }))
  await s.files.write('/home/user/auto-pause-marker.txt', 'auto')
  await s.commands.run('sleep 6666', { background: true })
  await until(async () => (await s.getInfo()).state === 'paused', 15_000, 'the timeout to pause it')
  assert.equal((await lastEvent(s.sandboxId)).eventData.memory, false)
  await s.connect({ timeoutMs: 60_000 })
  assert.equal(await s.files.read('/home/user/auto-pause-marker.txt'), 'auto')
  assert.equal(await markerPid(s, 'sleep 6666'), '')
})

test('autoResume: a file read wakes a memory-paused sandbox (timeout) and a disk-paused one (pause)', { ...LONG, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: meta, timeoutMs: 3_000, lifecycle: { onTimeout: 'pause', autoResume: true } }))
  await s.files.write('/home/user/wake.txt', 'awake')
  await s.commands.run('sleep 7777', { background: true })
  await until(async () => (await s.getInfo()).state === 'paused', 15_000, 'the timeout to pause it')
  // A data-plane request, nothing else: sbxd resumes it and answers.
  assert.equal(await s.files.read('/home/user/wake.txt'), 'awake')
  assert.equal((await s.getInfo()).state, 'running')
  assert.notEqual(await markerPid(s, 'sleep 7777'), '', 'memory kept')

  await s.setTimeout(60_000)
  assert.equal(await s.pause({ keepMemory: false }), true)
  assert.equal((await s.getInfo()).state, 'paused')
  const r = await s.commands.run('cat /home/user/wake.txt')
  assert.equal(r.stdout, 'awake')
  assert.equal((await s.getInfo()).state, 'running')
  assert.equal(await markerPid(s, 'sleep 7777'), '', 'started afresh')
})

test('without autoResume a paused sandbox refuses traffic until connect', { ...SHORT, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: meta }))
  assert.equal(await s.pause({ keepMemory: false }), true)
  await assert.rejects(s.files.read('/etc/hostname', { requestTimeoutMs: 5_000 }))
  assert.equal((await s.getInfo()).state, 'paused')
})

test('refreshes (older SDKs\' keep-alive) extends the timeout, never shortens it', { ...SHORT, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: meta, timeoutMs: 30_000 }))
  const refresh = (duration) => fetch(`${API}/sandboxes/${s.sandboxId}/refreshes`, {
    method: 'POST', headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json' }, body: JSON.stringify({ duration })
  })
  assert.equal((await refresh(120)).status, 204)
  const end = (await s.getInfo()).endAt.getTime()
  assert.ok(Math.abs(end - (Date.now() + 120_000)) < 3_000, `endAt ${end - Date.now()} ms away, want 120 s`)
  assert.equal((await refresh(10)).status, 204)
  assert.equal((await s.getInfo()).endAt.getTime(), end, 'a shorter refresh leaves endAt')
  assert.equal((await refresh('x')).status, 400)
})

test('getMetrics({start, end}): samples in the range, none before the sandbox existed (E2B metrics.test)', { ...LONG, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: meta }))
  const start = new Date()
  await sleep(11_000)   // two 5 s samples at least
  const end = new Date()
  const ms = await s.getMetrics({ start, end })
  assert.ok(ms.length >= 2, `${ms.length} samples`)
  for (const m of ms) {
    assert.ok(m.timestamp.getTime() >= start.getTime() - 1_000 && m.timestamp.getTime() <= end.getTime() + 1_000,
      `sample at ${m.timestamp.toISOString()} outside ${start.toISOString()}..${end.toISOString()}`)
    assert.ok(m.memTotal > 0 && m.cpuCount > 0)
  }
  const none = await s.getMetrics({ start: new Date(start.getTime() - 3_600_000), end: new Date(start.getTime() - 1_800_000) })
  assert.equal(none.length, 0)
  const now = await s.getMetrics()
  assert.equal(now.length, 1, 'no range: one sample taken now')
})
