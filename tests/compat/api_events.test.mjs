// Lifecycle events through sbxd (API mode): GET /events/sandboxes[/{id}]
// with plain fetch and the API key, as E2B's docs do it; E2B's item shape,
// offset/limit/orderAsc/types, and 404 for a sandbox sbxd never knew.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from 'e2b'
import { API_MODE, API_ONLY, killAfter, RUN, SHORT, LONG, until } from './helpers.mjs'

const API = process.env.E2B_API_URL
const KEY = process.env.E2B_API_KEY
const P = 'sandbox.lifecycle.'

async function events (path, query = '') {
  const res = await fetch(`${API}/events/sandboxes${path}${query}`, { headers: { 'X-API-Key': KEY } })
  return { status: res.status, body: await res.json() }
}

const typesOf = (list) => list.map((e) => e.type)

test('a sandbox\'s life in events: created, updated, paused, resumed, killed — E2B\'s shape', { ...LONG, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: { suite: RUN } }))
  const id = s.sandboxId
  const cpus = (await s.getInfo()).cpuCount
  await s.setTimeout(120_000)
  assert.equal(await s.pause(), true)
  await s.connect()
  assert.equal(await s.kill(), true)

  const { status, body } = await events(`/${id}`, '?orderAsc=true&limit=100')
  assert.equal(status, 200)
  assert.deepEqual(typesOf(body), [P + 'created', P + 'updated', P + 'paused', P + 'resumed', P + 'killed'])
  const info = body[0]
  for (const k of ['version', 'id', 'type', 'eventData', 'sandboxId', 'sandboxTemplateId', 'sandboxBuildId',
    'sandboxExecutionId', 'sandboxTeamId', 'timestamp']) {
    assert.ok(k in info, `${k} in ${JSON.stringify(info)}`)
  }
  assert.equal(info.version, 'v1')
  assert.match(info.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.equal(info.sandboxId, id)
  assert.equal(info.sandboxTemplateId, 'base')
  assert.ok(!Number.isNaN(Date.parse(info.timestamp)) && Math.abs(Date.parse(info.timestamp) - Date.now()) < 60_000)
  assert.equal(new Set(body.map((e) => e.id)).size, body.length, 'ids are unique')
  // A resume starts a new execution; the timeout change says what it set.
  assert.notEqual(body[3].sandboxExecutionId, body[0].sandboxExecutionId)
  assert.equal(body[1].eventData.timeout, 120)
  // paused and killed carry E2B's execution details
  assert.equal(body[2].eventData.execution.vcpu_count, cpus)
  assert.ok(body[4].eventData.execution.execution_time >= 0)

  // newest first by default; limit and offset page through them
  const desc = await events(`/${id}`)
  assert.deepEqual(typesOf(desc.body), typesOf(body).reverse())
  const page = await events(`/${id}`, '?orderAsc=true&offset=1&limit=2')
  assert.deepEqual(typesOf(page.body), [P + 'updated', P + 'paused'])
  // types filter, repeatable
  const f = await events(`/${id}`, `?types=${P}paused&types=${P}killed&orderAsc=true`)
  assert.deepEqual(typesOf(f.body), [P + 'paused', P + 'killed'])

  // the team-wide list has them too
  const all = await events('', '?limit=100')
  assert.equal(all.status, 200)
  assert.ok(all.body.filter((e) => e.sandboxId === id).length === 5)
})

test('errors: unknown sandbox 404, bad limit 400, no key 401', { ...SHORT, ...API_ONLY }, async () => {
  const none = await events('/abcdefghij0123456789')
  assert.equal(none.status, 404)
  assert.equal(none.body.code, 404)
  assert.equal((await events('', '?limit=0')).status, 400)
  assert.equal((await events('', '?limit=101')).status, 400)
  assert.equal((await events('', '?orderAsc=maybe')).status, 400)
  const res = await fetch(`${API}/events/sandboxes`)
  assert.equal(res.status, 401)
})

test('a sandbox that timed out: its events say so after it is gone', { ...SHORT, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ timeoutMs: 2_000, metadata: { suite: RUN } }))
  await until(async () => !(await s.isRunning()), 10_000, 'the sandbox to time out')
  let last
  await until(async () => {
    last = (await events(`/${s.sandboxId}`)).body
    return Array.isArray(last) && last.length >= 2
  }, 5_000, 'its killed event')
  assert.equal(last[0].type, P + 'killed')
  assert.match(last[0].eventData.reason, /timeout/)
})
