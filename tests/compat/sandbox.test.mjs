// The sandbox object itself: its health probe (GET /health on envd; through
// sbxd in API mode, routed by the headers the SDK sends).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, sandboxHeaders, SANDBOX_URL, SHORT } from './helpers.mjs'

const sbx = await connect()

test('isRunning is true (GET /health answers 2xx)', SHORT, async () => {
  assert.equal(await sbx.isRunning(), true)
})

test('GET /health is 204 with no body, as envd answers', SHORT, async () => {
  const res = await fetch(`${SANDBOX_URL}/health`, { headers: sandboxHeaders(sbx) })
  assert.equal(res.status, 204)
  assert.equal(await res.text(), '')
})
