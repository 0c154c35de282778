// The sandbox object itself in debug mode: its health probe (GET /health).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, SANDBOX_URL, SHORT } from './helpers.mjs'

const sbx = await connect()

test('isRunning is true (GET /health answers 2xx)', SHORT, async () => {
  assert.equal(await sbx.isRunning(), true)
})

test('GET /health is 204 with no body, as envd answers', SHORT, async () => {
  const res = await fetch(`${SANDBOX_URL}/health`)
  assert.equal(res.status, 204)
  assert.equal(await res.text(), '')
})
