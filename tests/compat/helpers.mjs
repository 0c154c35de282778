// Shared setup for the compat suite: the official SDKs in E2B debug mode,
// pointed at one sbx-agent by E2B_SANDBOX_URL (see tests/run-compat.sh).
import { randomBytes } from 'node:crypto'
import { Sandbox } from '@e2b/code-interpreter'

export const SANDBOX_URL = process.env.E2B_SANDBOX_URL
if (!SANDBOX_URL || (process.env.E2B_DEBUG ?? '').toLowerCase() !== 'true') {
  throw new Error('set E2B_DEBUG=true and E2B_SANDBOX_URL=http://127.0.0.1:PORT (tests/run-compat.sh does)')
}

// The agent's --workdir: the default cwd for commands and relative paths.
// Unset when the suite runs against a sandbox someone else started.
export const WORKDIR = process.env.SBX_COMPAT_WORKDIR || undefined

// Per-test limits, so a hang fails the test instead of stalling the run.
export const SHORT = { timeout: 20_000 }
export const LONG = { timeout: 90_000 } // first matplotlib/pandas import in a kernel

// Debug mode: no control-plane call, sandboxId "debug_sandbox_id".
export function connect () {
  return Sandbox.create()
}

// A fresh absolute path that no other test (or earlier run) uses.
export function uniquePath (prefix) {
  return `${WORKDIR ?? '/tmp'}/${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`
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
// with a raw Connect call; the SDK is then used to observe it.
// Returns the pid and a close() that drops the stream (the process lives on).
export async function startTagged (cmdline, tag) {
  const ac = new AbortController()
  const res = await fetch(`${SANDBOX_URL}/process.Process/Start`, {
    method: 'POST',
    headers: { 'content-type': 'application/connect+json', 'connect-protocol-version': '1' },
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
