// Shared setup for the compat suite: the official SDKs, unmodified, in one of
// two modes (see tests/run-compat.sh):
//   debug mode: E2B_DEBUG=true, E2B_SANDBOX_URL at one bare sbx-agent;
//   API mode:   E2B_API_URL/E2B_SANDBOX_URL at sbxd, E2B_API_KEY set, so
//               every file gets real sandboxes through the control plane.
import { randomBytes } from 'node:crypto'
import { after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from '@e2b/code-interpreter'

export const SANDBOX_URL = process.env.E2B_SANDBOX_URL
const DEBUG = (process.env.E2B_DEBUG ?? '').toLowerCase() === 'true'
export const API_MODE = !DEBUG && Boolean(process.env.E2B_API_URL)
if (!SANDBOX_URL || (!DEBUG && !(API_MODE && process.env.E2B_API_KEY))) {
  throw new Error('set E2B_DEBUG=true and E2B_SANDBOX_URL=http://127.0.0.1:PORT (debug mode), or ' +
    'E2B_API_URL, E2B_SANDBOX_URL and E2B_API_KEY from `sbx env` (API mode); tests/run-compat.sh does')
}

// Options for tests that only make sense against sbxd: node skips them in debug mode.
export const API_ONLY = API_MODE ? {} : { skip: 'needs sbxd (API mode)' }

// The default cwd for commands and relative paths: the agent's --workdir in
// debug mode (unset when someone else started the agent); a real sandbox
// starts in its template's workdir, /home/user, as E2B's do.
export const WORKDIR = API_MODE ? '/home/user' : (process.env.SBX_COMPAT_WORKDIR || undefined)

// Per-test limits, so a hang fails the test instead of stalling the run.
export const SHORT = { timeout: 20_000 }
export const LONG = { timeout: 90_000 } // first matplotlib/pandas import in a kernel

// Kill sandboxes when the test that calls this ends (at a file's top level:
// when the file's tests are done), even after a failure.
export function killAfter (...sandboxes) {
  after(() => Promise.all(sandboxes.map((s) => s.kill().catch(() => {}))))
  return sandboxes[0]
}

// The sandbox a file's tests share. Debug mode: no control-plane call,
// sandboxId "debug_sandbox_id". API mode: a fresh code-interpreter-v1
// sandbox, killed when the file is done.
export async function connect () {
  if (!API_MODE) return Sandbox.create()
  return killAfter(await Sandbox.create({ timeoutMs: 600_000 }))
}

// The headers the SDK itself sends to reach sbx's envd (for raw requests):
// sbxd routes by E2b-Sandbox-Id, the agent checks X-Access-Token.
export function sandboxHeaders (sbx) {
  const h = { 'E2b-Sandbox-Id': sbx.sandboxId, 'E2b-Sandbox-Port': '49983' }
  if (sbx.envdAccessToken) h['X-Access-Token'] = sbx.envdAccessToken
  return h
}

// A fresh absolute path that no other test (or earlier run) uses.
export function uniquePath (prefix) {
  return `${WORKDIR ?? '/tmp'}/${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`
}

// A tag for names and metadata that no other run shares.
export const RUN = `compat-${process.pid}-${randomBytes(3).toString('hex')}`

// A base64 PNG's signature and size (from its IHDR chunk).
export function pngSize (b64) {
  const png = Buffer.from(b64, 'base64')
  assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG')
  assert.equal(png.subarray(12, 16).toString(), 'IHDR')
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Poll cond() until it holds; on timeout the error shows what we saw instead.
export async function until (cond, ms, what, seen = () => '') {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; saw: ${JSON.stringify(seen())}`)
    await sleep(20)
  }
}

// Reject if p does not settle in ms (for promises the SDK could leave pending).
export function within (p, ms, what) {
  let timer
  const t = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)
  })
  return Promise.race([p, t]).finally(() => clearTimeout(timer))
}

// Accumulates PTY bytes as text (multi-byte characters may span chunks).
export function ptyCollector () {
  const decoder = new TextDecoder()
  const c = { text: '', onData: (bytes) => { c.text += decoder.decode(bytes, { stream: true }) } }
  return c
}

// Connect server-stream framing: flags byte + big-endian length + JSON.
function envelope (msg) {
  const payload = Buffer.from(JSON.stringify(msg))
  const frame = Buffer.alloc(5 + payload.length)
  frame.writeUInt32BE(payload.length, 1)
  payload.copy(frame, 5)
  return frame
}

// The JS SDK never sends StartRequest.tag, so a tagged process is started
// with a raw Connect call in sbx; the SDK is then used to observe it.
// Returns the pid and a close() that drops the stream (the process lives on).
export async function startTagged (sbx, cmdline, tag) {
  const ac = new AbortController()
  const res = await fetch(`${SANDBOX_URL}/process.Process/Start`, {
    method: 'POST',
    headers: { 'content-type': 'application/connect+json', 'connect-protocol-version': '1', ...sandboxHeaders(sbx) },
    body: envelope({ process: { cmd: '/bin/bash', args: ['-l', '-c', cmdline] }, tag, stdin: false }),
    signal: ac.signal
  })
  if (res.status !== 200) throw new Error(`Start: HTTP ${res.status}: ${await res.text()}`)
  const reader = res.body.getReader()
  let buf = Buffer.alloc(0)
  while (buf.length < 5 || buf.length < 5 + buf.readUInt32BE(1)) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`Start: stream ended before the first frame: ${buf}`)
    buf = Buffer.concat([buf, value])
  }
  const first = JSON.parse(buf.subarray(5, 5 + buf.readUInt32BE(1)).toString())
  const pid = first?.event?.start?.pid
  if (buf[0] !== 0 || !pid) throw new Error(`Start: first frame is not a start event: ${JSON.stringify(first)}`)
  return { pid, close: () => ac.abort() }
}
