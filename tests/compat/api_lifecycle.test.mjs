// A sandbox's life through sbxd (API mode): kill, setTimeout (it really
// dies), getMetrics, pause and Sandbox.connect (files, processes and kernel
// state survive).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox as BaseSandbox } from 'e2b'
import { Sandbox, SandboxNotFoundError } from '@e2b/code-interpreter'
import { API_MODE, API_ONLY, killAfter, RUN, SHORT, LONG, until } from './helpers.mjs'

const MiB = 1024 * 1024
// One code-interpreter sandbox for metrics, then pause/connect.
const sbx = API_MODE ? killAfter(await Sandbox.create({ metadata: { suite: RUN } })) : null

async function listed (id) {
  return (await Sandbox.list({ query: { metadata: { suite: RUN } } }).nextItems()).some((s) => s.sandboxId === id)
}

test('kill: getInfo is SandboxNotFoundError, Sandbox.kill is false, nothing answers', { ...SHORT, ...API_ONLY }, async () => {
  const doomed = killAfter(await BaseSandbox.create({ metadata: { suite: RUN } }))
  assert.equal(await listed(doomed.sandboxId), true)
  assert.equal(await doomed.kill(), true)
  await assert.rejects(doomed.getInfo(), SandboxNotFoundError)
  assert.equal(await BaseSandbox.kill(doomed.sandboxId), false)
  assert.equal(await doomed.isRunning(), false)
  await assert.rejects(doomed.commands.run('true', { requestTimeoutMs: 5_000 }))
  assert.equal(await listed(doomed.sandboxId), false)
})

test('setTimeout moves endAt both ways; the sandbox really dies at its timeout', { ...SHORT, ...API_ONLY }, async () => {
  const s = killAfter(await BaseSandbox.create({ metadata: { suite: RUN } }))
  // Busy with a command: the timeout must end it all the same.
  await s.commands.run('sleep 600', { background: true })
  await s.setTimeout(60_000)
  let endAt = (await s.getInfo()).endAt.getTime()
  assert.ok(Math.abs(endAt - (Date.now() + 60_000)) < 2_000, `endAt ${endAt - Date.now()} ms away, want 60 s`)
  await s.setTimeout(3_000)
  const t0 = Date.now()
  endAt = (await s.getInfo()).endAt.getTime()
  assert.ok(Math.abs(endAt - (t0 + 3_000)) < 1_000, `endAt ${endAt - t0} ms away, want 3 s`)
  assert.equal(await s.isRunning(), true, 'alive before its timeout')
  await until(async () => !(await s.isRunning()), 8_000, 'the sandbox to die at its 3 s timeout')
  const diedAfter = Date.now() - t0
  assert.ok(diedAfter >= 2_500, `died ${diedAfter} ms after setTimeout(3000)`)
  await assert.rejects(s.getInfo(), SandboxNotFoundError)
  await assert.rejects(s.commands.run('true', { requestTimeoutMs: 5_000 }))
  assert.equal(await listed(s.sandboxId), false)
})

test('getMetrics: cpu, memory and disk of the sandbox, following what it uses', { ...LONG, ...API_ONLY }, async () => {
  const info = await sbx.getInfo()
  const [m0] = await sbx.getMetrics()
  assert.ok(m0, 'one sample at least')
  assert.ok(m0.timestamp instanceof Date && Math.abs(m0.timestamp.getTime() - Date.now()) < 10_000, `timestamp ${m0.timestamp}`)
  assert.equal(m0.cpuCount, info.cpuCount)
  assert.ok(m0.cpuUsedPct >= 0 && m0.cpuUsedPct <= 100, `cpuUsedPct ${m0.cpuUsedPct}`)
  assert.equal(m0.memTotal, info.memoryMB * MiB)
  assert.ok(m0.memUsed > 0 && m0.memUsed < m0.memTotal, `memUsed ${m0.memUsed}`)
  assert.ok(m0.diskTotal > 0 && m0.diskUsed > 0 && m0.diskUsed < m0.diskTotal, `disk ${m0.diskUsed}/${m0.diskTotal}`)

  // 200 MiB written in the kernel and 64 MiB on disk show up in the numbers.
  const ex = await sbx.runCode('compat_blob = b"x" * (200 * 1024 * 1024)\nlen(compat_blob)')
  assert.equal(ex.text, String(200 * MiB), ex.error?.traceback)
  await sbx.commands.run('dd if=/dev/zero of=/home/user/compat-64m bs=1M count=64 conv=fsync status=none')
  const [m1] = await sbx.getMetrics()
  assert.ok(m1.memUsed - m0.memUsed >= 150 * MiB, `memUsed ${m0.memUsed} -> ${m1.memUsed}`)
  assert.ok(m1.diskUsed - m0.diskUsed >= 60 * MiB, `diskUsed ${m0.diskUsed} -> ${m1.diskUsed}`)
  await sbx.runCode('del compat_blob')
  await sbx.files.remove('/home/user/compat-64m')
})

test('pause, then Sandbox.connect: a file, a process and a Python variable survive', { ...LONG, ...API_ONLY }, async () => {
  await sbx.files.write('/home/user/survivor.txt', 'written before pause')
  assert.equal((await sbx.runCode('survivor = 41')).error, undefined)
  const bg = await sbx.commands.run('sleep 900', { background: true })

  assert.equal(await sbx.pause(), true)
  assert.equal((await sbx.getInfo()).state, 'paused')
  assert.equal(await sbx.isRunning(), false, 'a paused sandbox does not answer')
  assert.equal(await sbx.pause(), false, 'pausing twice is false (409)')

  const back = await Sandbox.connect(sbx.sandboxId)
  assert.equal(back.sandboxId, sbx.sandboxId)
  assert.equal((await back.getInfo()).state, 'running')
  assert.equal(await back.files.read('/home/user/survivor.txt'), 'written before pause')
  const ex = await back.runCode('survivor + 1')
  assert.equal(ex.error, undefined, ex.error?.traceback)
  assert.equal(ex.text, '42')
  const procs = await back.commands.list()
  assert.ok(procs.some((p) => p.pid === bg.pid && p.args.includes('sleep 900')), `sleep 900 (pid ${bg.pid}) still listed`)
  // connect on a running sandbox is fine too, and the old handle works again.
  assert.equal((await Sandbox.connect(sbx.sandboxId)).sandboxId, sbx.sandboxId)
  assert.equal(await sbx.isRunning(), true)
})
