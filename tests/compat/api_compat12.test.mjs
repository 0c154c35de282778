// Issue 12's fixes for E2B's own suites, through the official SDKs against
// sbxd (API mode): gzip on /files both ways, signed URLs that expired, and
// the errors of a sandbox killed under a running command or cell.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gunzipSync } from 'node:zlib'
import { Sandbox as BaseSandbox, TimeoutError } from 'e2b'
import { Sandbox } from '@e2b/code-interpreter'
import { API_MODE, API_ONLY, killAfter, RUN, SHORT, LONG, sandboxHeaders, until } from './helpers.mjs'

const sbx = API_MODE ? killAfter(await BaseSandbox.create({ metadata: { suite: RUN } })) : null

test('files.write with gzip: the body is decoded; read back plain and with gzip', { ...SHORT, ...API_ONLY }, async () => {
  const text = 'gzip through sbxd. '.repeat(5_000)
  const info = await sbx.files.write('gz_one.txt', text, { gzip: true })
  assert.equal(info.path, '/home/user/gz_one.txt')
  assert.equal(await sbx.files.read('gz_one.txt'), text)
  assert.equal(await sbx.files.read('gz_one.txt', { gzip: true }), text)
  const bytes = await sbx.files.read('gz_one.txt', { gzip: true, format: 'bytes' })
  assert.equal(Buffer.from(bytes).toString(), text)
  const got = await sbx.commands.run('wc -c < gz_one.txt')
  assert.equal(got.stdout.trim(), String(text.length))
})

test('writeFiles with gzip: every file decoded', { ...SHORT, ...API_ONLY }, async () => {
  const files = [1, 2, 3].map((i) => ({ path: `gz_multi_${i}.txt`, data: `file ${i} `.repeat(100 * i) }))
  const infos = await sbx.files.writeFiles(files, { gzip: true })
  assert.equal(infos.length, 3)
  for (const f of files) assert.equal(await sbx.files.read(f.path), f.data)
})

test('GET /files with Accept-Encoding: gzip answers gzip-encoded through sbxd; 406 when nothing fits', { ...SHORT, ...API_ONLY }, async () => {
  const text = 'x'.repeat(100_000)
  await sbx.files.write('gz_raw.txt', text)
  const url = `${process.env.E2B_SANDBOX_URL}/files?path=${encodeURIComponent('/home/user/gz_raw.txt')}`
  // node's fetch would decode it unseen: ask with a raw request instead.
  const { request } = await import('node:http')
  const raw = await new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...sandboxHeaders(sbx), 'Accept-Encoding': 'gzip' } }, (res) => {
      const parts = []
      res.on('data', (d) => parts.push(d))
      res.on('end', () => resolve({ status: res.statusCode, enc: res.headers['content-encoding'], body: Buffer.concat(parts) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
  assert.equal(raw.status, 200)
  assert.equal(raw.enc, 'gzip')
  assert.ok(raw.body.length < text.length / 10, `compressed to ${raw.body.length} bytes`)
  assert.equal(gunzipSync(raw.body).toString(), text)
  const plain = await fetch(url, { headers: { ...sandboxHeaders(sbx), 'Accept-Encoding': 'identity' } })
  assert.equal(plain.headers.get('content-encoding'), null)
  assert.equal(await plain.text(), text)
  const none = await fetch(url, { headers: { ...sandboxHeaders(sbx), 'Accept-Encoding': 'br, identity;q=0' } })
  assert.equal(none.status, 406)
  assert.deepEqual(await none.json(), { code: 406, message: 'no acceptable encoding found, supported: [identity, gzip]' })
})

test('signed URLs of a secure sandbox: an expired one is 401 "signature is already expired", a valid one works', { ...SHORT, ...API_ONLY }, async () => {
  const sec = killAfter(await BaseSandbox.create({ secure: true, metadata: { suite: RUN } }))
  await sec.files.write('signed.txt', 'hello world')
  const ok = await fetch(await sec.downloadUrl('signed.txt', { useSignatureExpiration: 10_000 }))
  assert.equal(ok.status, 200)
  assert.equal(await ok.text(), 'hello world')
  const expired = await fetch(await sec.downloadUrl('signed.txt', { useSignatureExpiration: -10_000 }))
  assert.equal(expired.status, 401)
  assert.deepEqual(await expired.json(), { code: 401, message: 'signature is already expired' })
  const form = new FormData()
  form.append('file', 'file content')
  const up = await fetch(await sec.uploadUrl('signed.txt', { useSignatureExpiration: -100_000 }), { method: 'POST', body: form })
  assert.equal(up.status, 401)
  assert.deepEqual(await up.json(), { code: 401, message: 'signature is already expired' })
  assert.equal(await sec.files.read('signed.txt'), 'hello world', 'the refused upload wrote nothing')
  // A signature altered by one character is no signature: sbxd knows no sandbox for it.
  const bad = new URL(await sec.downloadUrl('signed.txt', { useSignatureExpiration: 10_000 }))
  const sig = bad.searchParams.get('signature')
  bad.searchParams.set('signature', sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A'))
  assert.equal((await fetch(bad)).status, 401)
})

test('a sandbox killed under a running command: wait() rejects with TimeoutError "killed or reached its end of life"', { ...SHORT, ...API_ONLY }, async () => {
  const doomed = killAfter(await BaseSandbox.create({ metadata: { suite: RUN } }))
  const cmd = await doomed.commands.run('sleep 60', { background: true })
  await doomed.kill()
  const err = await cmd.wait().catch((e) => e)
  assert.ok(err instanceof TimeoutError, `got ${err?.constructor?.name}: ${err?.message}`)
  assert.match(err.message, /sandbox was killed or reached its end of life/)
})

test('a sandbox killed during runCode: it rejects with TimeoutError "killed while the request was in progress"', { ...LONG, ...API_ONLY }, async () => {
  const ci = killAfter(await Sandbox.create({ metadata: { suite: RUN } }))
  let started = false
  const run = ci.runCode("import time; print('started', flush=True); time.sleep(300)", {
    timeoutMs: 300_000,
    onStdout: () => { started = true },
  })
  const settled = run.then((v) => ({ v }), (e) => ({ e }))
  await until(() => started, 30_000, 'the cell to start')   // in flight: killed mid-request
  await ci.kill()
  const { v, e } = await settled
  assert.equal(v, undefined, `runCode resolved: ${JSON.stringify(v)}`)
  assert.ok(e instanceof TimeoutError, `got ${e?.constructor?.name}: ${e?.message}`)
  assert.match(e.message, /sandbox was killed while the request was in progress/)
})
