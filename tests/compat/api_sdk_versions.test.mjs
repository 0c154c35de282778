// Every pinned e2b SDK version against sbxd (API mode): "e2b" (the newest)
// and each "e2b-X.Y" alias in package.json: the oldest 2.x that works with
// sbx (E2B_SANDBOX_URL came in 2.7, but before 2.14.1 file reads and writes
// lack the E2b-Sandbox-Id header sbxd routes by), and versions people pin.  The key
// `sbx env` exports must pass each version's own check (2.27 to 2.45 refuse
// anything but e2b_<hex> before sending a request) and sbxd's; then the core
// of a sandbox's life: create, commands, files, connect, kill.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { API_ONLY, RUN, SHORT } from './helpers.mjs'

const json = (rel) => JSON.parse(readFileSync(new URL(rel, import.meta.url)))
const SDKS = Object.keys(json('./package.json').dependencies).filter((n) => /^e2b(-\d+\.\d+)?$/.test(n))
const CREATE = { timeout: 60_000 }

test('the matrix has the newest SDK and at least three older ones', () => {
  assert.ok(SDKS.includes('e2b') && SDKS.length >= 4, `SDKs: ${SDKS}`)
})

for (const name of SDKS) {
  const version = json(`./node_modules/${name}/package.json`).version
  describe(`e2b@${version} (${name})`, API_ONLY, () => {
    let sdk, sbx
    const path = `/home/user/compat-${version}.txt`
    before(async () => { sdk = await import(name) })
    after(() => sbx?.kill().catch(() => {}))

    test('create with the key sbx env exports', CREATE, async () => {
      sbx = await sdk.Sandbox.create('base', { metadata: { suite: RUN, sdk: version }, timeoutMs: 120_000 })
      assert.match(sbx.sandboxId, /^[a-z0-9]{20}$/)
      assert.match(process.env.E2B_API_KEY, /^e2b_[0-9a-f]{40}$/, "sbx env's key is in E2B's form")
    })

    test("a wrong key is sbxd's 401: AuthenticationError, no sandbox", CREATE, async () => {
      const wrong = `e2b_${'0'.repeat(40)}`
      await assert.rejects(sdk.Sandbox.create('base', { apiKey: wrong, metadata: { suite: RUN, wrong: version } }),
        sdk.AuthenticationError)
      const mine = await sdk.Sandbox.list({ query: { metadata: { suite: RUN, wrong: version } } }).nextItems()
      assert.deepEqual(mine, [])
    })

    test('commands: output, exit code, envs', SHORT, async () => {
      const r = await sbx.commands.run('echo "out $X"; echo err >&2', { envs: { X: version } })
      assert.equal(r.exitCode, 0)
      assert.equal(r.stdout, `out ${version}\n`)
      assert.equal(r.stderr, 'err\n')
      const err = await sbx.commands.run('exit 3').then(() => null, (e) => e)
      assert.ok(err instanceof sdk.CommandExitError, `got ${err}`)
      assert.equal(err.exitCode, 3)
    })

    test('files: write, read, list', SHORT, async () => {
      await sbx.files.write(path, `written by e2b@${version}\n`)
      assert.equal(await sbx.files.read(path), `written by e2b@${version}\n`)
      const names = (await sbx.files.list('/home/user')).map((e) => e.name)
      assert.ok(names.includes(`compat-${version}.txt`), `listed: ${names}`)
    })

    test('connect by id: the same sandbox, its files and processes', SHORT, async () => {
      const bg = await sbx.commands.run('sleep 600', { background: true })
      const again = await sdk.Sandbox.connect(sbx.sandboxId)
      assert.equal(again.sandboxId, sbx.sandboxId)
      assert.equal(await again.files.read(path), `written by e2b@${version}\n`)
      assert.ok((await again.commands.list()).some((p) => p.pid === bg.pid), `pid ${bg.pid} listed`)
      assert.equal((await again.commands.run(`cat ${path}`)).stdout, `written by e2b@${version}\n`)
    })

    test('kill: the sandbox is gone for every call', SHORT, async () => {
      await sbx.kill()
      assert.equal(await sbx.isRunning(), false)
      assert.equal(await sdk.Sandbox.kill(sbx.sandboxId), false, 'a second kill finds nothing')
      await assert.rejects(sbx.commands.run('true', { requestTimeoutMs: 5_000 }))
      const left = await sdk.Sandbox.list({ query: { metadata: { suite: RUN, sdk: version } } }).nextItems()
      assert.deepEqual(left.map((s) => s.sandboxId), [])
    })
  })
}
