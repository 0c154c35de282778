// Load through the SDK (API mode): 20 sandboxes created at once, each runs a
// cell and a command, all are killed.  None may fail; run-compat.sh --api then
// checks that no process, mount, cgroup or veth of theirs is left behind.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from '@e2b/code-interpreter'
import { API_ONLY, RUN } from './helpers.mjs'

const N = 20

test(`${N} sandboxes at once: create, a cell and a command in each, kill all`, { timeout: 600_000, ...API_ONLY }, async () => {
  const created = await Promise.allSettled([...Array(N).keys()].map((i) =>
    Sandbox.create({ metadata: { suite: RUN, load: String(i) }, envs: { LOAD_N: String(i) }, timeoutMs: 600_000 })))
  const sandboxes = created.filter((r) => r.status === 'fulfilled').map((r) => r.value)
  try {
    const failed = created.filter((r) => r.status === 'rejected').map((r) => String(r.reason))
    assert.deepEqual(failed, [], 'every create succeeds')
    assert.equal(new Set(sandboxes.map((s) => s.sandboxId)).size, N)

    const runs = await Promise.allSettled(sandboxes.map(async (s, i) => {
      const ex = await s.runCode(`n = ${i} * 2\nn`, { timeoutMs: 300_000 })
      assert.equal(ex.error, undefined, `cell in sandbox ${i}: ${ex.error?.value}`)
      assert.equal(ex.text, String(i * 2))
      const r = await s.commands.run('echo "$LOAD_N $(hostname)"', { timeoutMs: 120_000 })
      assert.equal(r.exitCode, 0)
      assert.equal(r.stdout.trim(), `${i} ${s.sandboxId}`)
    }))
    const bad = runs.map((r, i) => r.status === 'rejected' ? `sandbox ${i}: ${r.reason}` : null).filter(Boolean)
    assert.deepEqual(bad, [], 'every sandbox runs its cell and command')
  } finally {
    const kills = await Promise.all(sandboxes.map((s) => s.kill().catch((e) => String(e))))
    assert.deepEqual(kills.filter((k) => k !== true), [], 'every kill succeeds')
  }
  const left = await Sandbox.list({ query: { metadata: { suite: RUN } } }).nextItems()
  assert.deepEqual(left.filter((s) => s.metadata?.load !== undefined).map((s) => s.sandboxId), [], 'none is listed after kill')
})
