// sandbox.pty: Start with a pty, SendInput(pty), Update (resize), SendSignal.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CommandExitError } from '@e2b/code-interpreter'
import { connect, ptyCollector, until, within, SHORT } from './helpers.mjs'

const sbx = await connect()
const enc = (s) => new TextEncoder().encode(s)

async function openPty (size = { cols: 80, rows: 24 }) {
  const out = ptyCollector()
  const h = await sbx.pty.create({ ...size, onData: out.onData })
  assert.ok(Number.isInteger(h.pid) && h.pid > 0, `pid ${h.pid}`)
  return { h, out }
}

// The shell computes the marker, so the echoed input alone cannot match.
async function expectOutput (pid, out, input, pattern, what) {
  const from = out.text.length
  await sbx.pty.sendInput(pid, enc(input))
  await until(() => pattern.test(out.text.slice(from)), 10_000, what, () => out.text.slice(from))
  return out.text.slice(from).match(pattern)
}

test('create + sendInput: onData gets the shell output', SHORT, async () => {
  const { h, out } = await openPty()
  try {
    await expectOutput(h.pid, out, 'echo hi-$((40+2))\n', /hi-42/, 'hi-42')
    await expectOutput(h.pid, out, 'echo "term=$TERM"\n', /term=xterm-256color/, 'TERM')
    await expectOutput(h.pid, out, 'test -t 0 && echo "is-$((1))-tty"\n', /is-1-tty/, 'stdin is a tty')
  } finally {
    await sbx.pty.kill(h.pid)
  }
})

test('resize changes what stty size reports', SHORT, async () => {
  const { h, out } = await openPty({ cols: 80, rows: 24 })
  try {
    await expectOutput(h.pid, out, 'echo "sz:$(stty size)"\n', /sz:24 80/, 'initial 24 80')
    await sbx.pty.resize(h.pid, { cols: 100, rows: 30 })
    await expectOutput(h.pid, out, 'echo "sz:$(stty size)"\n', /sz:30 100/, 'resized 30 100')
  } finally {
    await sbx.pty.kill(h.pid)
  }
})

test('exit ends the pty with exit code 0', SHORT, async () => {
  const { h } = await openPty()
  await sbx.pty.sendInput(h.pid, enc('exit 0\n'))
  const r = await within(h.wait(), 10_000, 'wait() after exit')
  assert.equal(r.exitCode, 0)
})

test('kill ends the pty; a second kill is false', SHORT, async () => {
  const { h } = await openPty()
  assert.ok((await sbx.commands.list()).some((p) => p.pid === h.pid), 'pty listed as a process')
  assert.equal(await sbx.pty.kill(h.pid), true)
  const err = await within(h.wait(), 10_000, 'wait() after kill').then(() => null, (e) => e)
  assert.ok(err instanceof CommandExitError, `got ${err}`)
  assert.equal(err.exitCode, -1)
  await until(async () => !(await sbx.commands.list()).some((p) => p.pid === h.pid), 5_000, 'pty gone from list')
  assert.equal(await sbx.pty.kill(h.pid), false)
})
