// Three sandboxes at once through sbxd (API mode): kept apart from each
// other, and found by Sandbox.list's metadata and state filters and pages.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from '@e2b/code-interpreter'
import { API_MODE, API_ONLY, killAfter, RUN, SHORT, LONG } from './helpers.mjs'

const N = 3
const sandboxes = API_MODE
  ? await Promise.all([...Array(N).keys()].map((i) => Sandbox.create({ metadata: { suite: RUN, n: String(i) } })))
  : []
if (API_MODE) killAfter(...sandboxes)
const ids = sandboxes.map((s) => s.sandboxId)

async function list (query, opts = {}) {
  return Sandbox.list({ query: { ...query, metadata: { suite: RUN, ...query.metadata } }, ...opts }).nextItems()
}
const idsOf = (items) => items.map((s) => s.sandboxId).sort()

test('three sandboxes at once are kept apart: files, Python variables, processes', { ...LONG, ...API_ONLY }, async () => {
  assert.equal(new Set(ids).size, N, `ids ${ids}`)
  await Promise.all(sandboxes.map(async (s, i) => {
    await s.files.write(`/home/user/only-${i}.txt`, `sandbox ${i}`)
    await s.files.write('/home/user/mine.txt', `sandbox ${i}`)
    assert.equal((await s.runCode(`owner = ${i}\nonly_in_${i} = True`)).error, undefined)
    await s.commands.run(`sleep 30${i}`, { background: true })
  }))
  for (const [i, s] of sandboxes.entries()) {
    assert.equal(await s.files.read('/home/user/mine.txt'), `sandbox ${i}`)
    assert.equal((await s.runCode('owner')).text, String(i))
    const sleeps = (await s.commands.list()).filter((p) => p.args.some((a) => a.startsWith('sleep 30')))
    assert.deepEqual(sleeps.map((p) => p.args.at(-1)), [`sleep 30${i}`], `processes seen in sandbox ${i}`)
    for (let j = 0; j < N; j++) {
      if (j === i) continue
      assert.equal(await s.files.exists(`/home/user/only-${j}.txt`), false, `only-${j}.txt visible in sandbox ${i}`)
      assert.equal((await s.runCode(`only_in_${j}`)).error?.name, 'NameError', `only_in_${j} defined in sandbox ${i}`)
    }
  }
})

test('Sandbox.list filters by metadata', { ...SHORT, ...API_ONLY }, async () => {
  const all = await list({})
  assert.deepEqual(idsOf(all), [...ids].sort())
  for (const s of all) {
    assert.equal(s.templateId, 'code-interpreter')
    assert.equal(s.state, 'running')
    assert.equal(s.metadata.suite, RUN)
  }
  const one = await list({ metadata: { n: '1' } })
  assert.deepEqual(idsOf(one), [ids[1]])
  assert.deepEqual(one[0].metadata, { suite: RUN, n: '1' })
  assert.deepEqual(await list({ metadata: { n: 'no such value' } }), [])
})

test('Sandbox.list pages with a small limit: every sandbox once', { ...SHORT, ...API_ONLY }, async () => {
  const pager = Sandbox.list({ query: { metadata: { suite: RUN } }, limit: 2 })
  const pages = []
  while (pager.hasNext) {
    assert.ok(pages.length < N, 'more pages than sandboxes')
    pages.push(await pager.nextItems())
  }
  assert.deepEqual(pages.map((p) => p.length), [2, 1])
  assert.deepEqual(idsOf(pages.flat()), [...ids].sort())
})

test('Sandbox.list filters by state: a paused one apart, then back', { ...SHORT, ...API_ONLY }, async () => {
  assert.equal(await sandboxes[2].pause(), true)
  assert.deepEqual(idsOf(await list({ state: ['paused'] })), [ids[2]])
  assert.deepEqual(idsOf(await list({ state: ['running'] })), [ids[0], ids[1]].sort())
  assert.deepEqual(idsOf(await list({ state: ['running', 'paused'] })), [...ids].sort())
  await Sandbox.connect(ids[2])
  assert.deepEqual(idsOf(await list({ state: ['running'] })), [...ids].sort())
  assert.deepEqual(await list({ state: ['paused'] }), [])
})
