// sandbox.commands: process.Process Start/Connect/List/SendInput/SendSignal/CloseStdin.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CommandExitError, InvalidArgumentError, TimeoutError } from '@e2b/code-interpreter'
import { connect, startTagged, until, within, uniquePath, SHORT, WORKDIR } from './helpers.mjs'

const sbx = await connect()

test('run returns exit code 0 with stdout and stderr', SHORT, async () => {
  const r = await sbx.commands.run('echo out; echo err >&2; printf "no newline"')
  assert.equal(r.exitCode, 0)
  assert.equal(r.stdout, 'out\nno newline')
  assert.equal(r.stderr, 'err\n')
  assert.equal(r.error, undefined)
})

test('non-zero exit raises CommandExitError with exitCode and output', SHORT, async () => {
  const err = await sbx.commands.run('echo partial; echo oops >&2; exit 3').then(() => null, (e) => e)
  assert.ok(err instanceof CommandExitError, `got ${err}`)
  assert.equal(err.exitCode, 3)
  assert.equal(err.stdout, 'partial\n')
  assert.equal(err.stderr, 'oops\n')
  assert.ok(err.error, 'error text is set on failure')
})

test('cwd and envs options', SHORT, async () => {
  const r = await sbx.commands.run('pwd; echo "$FOO|$BAR"', { cwd: '/tmp', envs: { FOO: 'foo value', BAR: 'a=b' } })
  assert.equal(r.stdout, '/tmp\nfoo value|a=b\n')
})

test("the default cwd is the workdir (the agent's --workdir; /home/user in a sandbox)", { ...SHORT, skip: !WORKDIR && 'SBX_COMPAT_WORKDIR not set' }, async () => {
  assert.equal((await sbx.commands.run('pwd')).stdout, `${WORKDIR}\n`)
})

test('a missing cwd is InvalidArgumentError', SHORT, async () => {
  await assert.rejects(sbx.commands.run('true', { cwd: `${uniquePath('nocwd')}/x` }), InvalidArgumentError)
})

// A command that waits (bounded) until the test creates a file: what it does
// after that cannot have happened before the test saw what came first.
const gate = (file) => `for i in $(seq 500); do [ -e ${file} ] && break; sleep 0.02; done; [ -e ${file} ]`

test('onStdout/onStderr stream chunks as they are produced', SHORT, async () => {
  const out = []
  const err = []
  const go = uniquePath('go')
  const p = sbx.commands.run(`echo line1; echo e1 >&2; ${gate(go)} && echo line2 && echo e2 >&2`, {
    onStdout: (d) => out.push(d),
    onStderr: (d) => err.push(d)
  })
  // the first lines arrive while the command still waits for us
  await until(() => out.join('') === 'line1\n' && err.join('') === 'e1\n', 10_000, 'line1 and e1 before the end', () => [out, err])
  await sbx.files.write(go, '')
  const r = await p
  assert.equal(out.join(''), 'line1\nline2\n')
  assert.equal(err.join(''), 'e1\ne2\n')
  assert.equal(r.stdout, 'line1\nline2\n')
  assert.equal(r.stderr, 'e1\ne2\n')
})

test('background: true returns a handle at once; wait() gives the result', SHORT, async () => {
  // run() returns while the command cannot have finished: it waits for go
  const go = uniquePath('go')
  const h = await sbx.commands.run(`${gate(go)} && echo done`, { background: true })
  assert.ok(Number.isInteger(h.pid) && h.pid > 0, `pid ${h.pid}`)
  assert.equal(h.exitCode, undefined)
  await sbx.files.write(go, '')
  const r = await h.wait()
  assert.equal(r.exitCode, 0)
  assert.equal(r.stdout, 'done\n')
  assert.equal(h.exitCode, 0)
})

test('sendStdin reaches a process started with stdin: true', SHORT, async () => {
  const h = await sbx.commands.run('read a; read b; echo "got:$a:$b"', { background: true, stdin: true })
  await sbx.commands.sendStdin(h.pid, 'first\n')
  await h.sendStdin(new TextEncoder().encode('second\n'))
  const r = await within(h.wait(), 10_000, 'wait() after stdin')
  assert.equal(r.stdout, 'got:first:second\n')
})

test('closeStdin ends input (cat exits)', SHORT, async () => {
  const h = await sbx.commands.run('cat; echo "[eof]"', { background: true, stdin: true })
  await h.sendStdin('abc')
  await h.closeStdin()
  const r = await within(h.wait(), 10_000, 'wait() after closeStdin')
  assert.equal(r.stdout, 'abc[eof]\n')
})

test('stdin is closed unless requested (read sees EOF)', SHORT, async () => {
  const r = await within(sbx.commands.run('read x || echo eof'), 10_000, 'read without stdin')
  assert.equal(r.stdout, 'eof\n')
})

test('list shows running commands with cmd, args, envs and cwd', SHORT, async () => {
  const h = await sbx.commands.run('sleep 30', { background: true, cwd: '/tmp', envs: { COMPAT_LIST: '1' } })
  try {
    const p = (await sbx.commands.list()).find((x) => x.pid === h.pid)
    assert.ok(p, `pid ${h.pid} listed`)
    assert.equal(p.cmd, '/bin/bash')
    assert.deepEqual(p.args, ['-l', '-c', 'sleep 30'])
    assert.equal(p.envs.COMPAT_LIST, '1')
    assert.equal(p.cwd, '/tmp')
    assert.equal(p.tag, undefined)
  } finally {
    await h.kill()
  }
})

test('list shows the tag of a process started with one', SHORT, async () => {
  const tag = `compat-tag-${process.pid}`
  const t = await startTagged(sbx, 'sleep 30', tag)
  try {
    const p = (await sbx.commands.list()).find((x) => x.pid === t.pid)
    assert.ok(p, `pid ${t.pid} listed`)
    assert.equal(p.tag, tag)
    assert.deepEqual(p.args, ['-l', '-c', 'sleep 30'])
  } finally {
    await sbx.commands.kill(t.pid)
    t.close()
  }
})

test('kill ends a running command; wait() reports the signal; list forgets it', SHORT, async () => {
  const h = await sbx.commands.run('sleep 30', { background: true })
  assert.equal(await sbx.commands.kill(h.pid), true)
  const err = await within(h.wait(), 10_000, 'wait() after kill').then(() => null, (e) => e)
  assert.ok(err instanceof CommandExitError, `got ${err}`)
  assert.equal(err.exitCode, -1, 'envd reports -1 for a signalled process')
  await until(async () => !(await sbx.commands.list()).some((p) => p.pid === h.pid), 5_000, 'pid gone from list')
  assert.equal(await sbx.commands.kill(h.pid), false, 'killing an unknown pid is false')
})

test('connect attaches to a running command and gets its output', SHORT, async () => {
  const go = uniquePath('go')
  const h = await sbx.commands.run(`${gate(go)} && echo later`, { background: true })
  await h.disconnect()
  const out = []
  const c = await sbx.commands.connect(h.pid, { onStdout: (d) => out.push(d) })
  await sbx.files.write(go, '')   // only now, attached, may it print
  const r = await within(c.wait(), 10_000, 'wait() on connected handle')
  assert.equal(r.exitCode, 0)
  assert.equal(out.join(''), 'later\n')
})

test('timeoutMs bounds the command: TimeoutError, and the process is gone', SHORT, async () => {
  // The client aborts at timeoutMs by itself; the list check proves the
  // agent honoured Connect-Timeout-Ms as the process lifetime too.
  // It would run for 10 minutes: the test's own 20 s limit shows that the
  // TimeoutError came at timeoutMs, not at the process's end.
  const cmd = `sleep 600.${process.pid}`
  await assert.rejects(sbx.commands.run(cmd, { timeoutMs: 1000 }), TimeoutError)
  const alive = async () => (await sbx.commands.list()).some((p) => p.args.includes(cmd))
  await until(async () => !(await alive()), 3_000, `${cmd} killed at its deadline`)
})
