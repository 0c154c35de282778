// Network rules through the official SDK (API mode): `network` on create
// (allowOut/denyOut, allowPublicTraffic), allowInternetAccess, getInfo
// reporting them, sandbox.updateNetwork changing what the sandbox reaches,
// and a malformed CIDR refused with E2B's 400.  The only addresses the
// sandboxes reach are two test hosts (198.18.78.1, .2) in a network
// namespace this file makes; never an outside one.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { Sandbox, SandboxError, ALL_TRAFFIC } from 'e2b'
import { API_MODE, API_ONLY, killAfter, RUN, SHORT, LONG, until } from './helpers.mjs'

const SUF = randomBytes(3).toString('hex')
const NS = `sbxt-nj-${SUF}`
const LINK = `tnj${SUF}` // not "sbx*": that is a sandbox's link
const TH1 = '198.18.78.1'
const TH2 = '198.18.78.2'
let server = null
let www = null

function ip (...args) { execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'inherit'] }) }

if (API_MODE) {
  www = mkdtempSync('/tmp/sbx-compat-net-')
  writeFileSync(`${www}/name`, 'testhost\n')
  ip('netns', 'add', NS)
  after(() => {
    if (server) server.kill()
    try { ip('netns', 'del', NS) } catch {}
    try { ip('link', 'del', LINK) } catch {}
    rmSync(www, { recursive: true, force: true })
  })
  ip('link', 'add', LINK, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS)
  ip('addr', 'add', '198.18.78.254/24', 'dev', LINK)
  ip('link', 'set', LINK, 'up')
  ip('-n', NS, 'addr', 'add', `${TH1}/24`, 'dev', 'eth0')
  ip('-n', NS, 'addr', 'add', `${TH2}/24`, 'dev', 'eth0')
  ip('-n', NS, 'link', 'set', 'eth0', 'up')
  ip('-n', NS, 'link', 'set', 'lo', 'up')
  ip('-n', NS, 'route', 'add', 'default', 'via', '198.18.78.254')
  server = spawn('nsenter', [`--net=/run/netns/${NS}`, '/usr/bin/python3', '-m', 'http.server', '8080',
    '--bind', '0.0.0.0', '--directory', www], { stdio: 'ignore' })
  await until(async () => {
    try { return (await (await fetch(`http://${TH1}:8080/name`)).text()).trim() === 'testhost' } catch { return false }
  }, 20_000, 'the test host to answer')
}

// "open" (GET /name answered), "refused" (a reset: denied), or what else happened.
async function reach (sbx, addr) {
  const r = await sbx.commands.run(
    `timeout -k 1 4 bash -c 'exec 3<>/dev/tcp/${addr}/8080 && printf "GET /name HTTP/1.0\\r\\n\\r\\n" >&3 && tail -n 1 <&3' 2>&1; echo " rc=$?"`)
  const out = r.stdout
  if (out.includes('testhost')) return 'open'
  if (out.includes('Connection refused')) return 'refused'
  if (out.includes('rc=124')) return 'timeout'
  return `other: ${out.trim()}`
}

test('create with network: deny all but one address; getInfo shows the rules', { ...LONG, ...API_ONLY }, async () => {
  const sbx = killAfter(await Sandbox.create({
    metadata: { suite: RUN },
    network: { denyOut: ({ allTraffic }) => [allTraffic], allowOut: [TH1] },
  }))
  assert.equal(await reach(sbx, TH1), 'open')
  assert.equal(await reach(sbx, TH2), 'refused')
  const info = await sbx.getInfo()
  assert.deepEqual(info.network.allowOut, [TH1])
  assert.deepEqual(info.network.denyOut, [ALL_TRAFFIC])
  assert.equal(info.network.allowPublicTraffic, true)
  assert.equal(info.allowInternetAccess, true)
})

test('updateNetwork: a denied address is refused at once, an empty update clears every rule', { ...LONG, ...API_ONLY }, async () => {
  const sbx = killAfter(await Sandbox.create({ metadata: { suite: RUN } }))
  assert.equal(await reach(sbx, TH2), 'open')
  await sbx.updateNetwork({ denyOut: [TH2] })
  assert.equal(await reach(sbx, TH2), 'refused')
  assert.equal(await reach(sbx, TH1), 'open')
  assert.deepEqual((await sbx.getInfo()).network.denyOut, [TH2])

  await Sandbox.updateNetwork(sbx.sandboxId, { allowInternetAccess: false, allowOut: [TH2] })
  assert.equal(await reach(sbx, TH2), 'open')
  assert.equal(await reach(sbx, TH1), 'refused')
  assert.equal((await sbx.getInfo()).allowInternetAccess, false)

  await sbx.updateNetwork({})
  assert.equal(await reach(sbx, TH1), 'open')
  assert.equal(await reach(sbx, TH2), 'open')
  const info = await sbx.getInfo()
  assert.equal(info.allowInternetAccess, true)
  assert.equal(info.network.allowOut, undefined)
  assert.equal(info.network.denyOut, undefined)
})

test('allowInternetAccess: false reaches nothing; allowPublicTraffic: false is reported', { ...LONG, ...API_ONLY }, async () => {
  const sbx = killAfter(await Sandbox.create({
    metadata: { suite: RUN }, allowInternetAccess: false, network: { allowPublicTraffic: false },
  }))
  assert.notEqual(await reach(sbx, TH1), 'open')
  const info = await sbx.getInfo()
  assert.equal(info.allowInternetAccess, false)
  assert.equal(info.network.allowPublicTraffic, false)
  // Allowed later: the sandbox gets its way out at run time.
  await sbx.updateNetwork({ allowInternetAccess: false, allowOut: [TH1] })
  assert.equal(await reach(sbx, TH1), 'open')
  assert.equal(await reach(sbx, TH2), 'refused')
})

test('a malformed CIDR is refused with 400 naming the entry; updateNetwork of an unknown sandbox is not found', { ...SHORT, ...API_ONLY }, async () => {
  const before = (await Sandbox.list({ query: { metadata: { suite: RUN } } }).nextItems()).length
  await assert.rejects(Sandbox.create({ metadata: { suite: RUN }, network: { allowOut: ['10.0.0.0/33'] } }), (err) => {
    assert.ok(err instanceof SandboxError, `${err}`)
    assert.equal(err.statusCode, 400)
    assert.match(err.message, /allowOut\[0\]: '10\.0\.0\.0\/33' is not a valid IP address or CIDR/)
    return true
  })
  await assert.rejects(Sandbox.create({ metadata: { suite: RUN }, network: { denyOut: ['example.com'] } }), (err) => {
    assert.equal(err.statusCode, 400)
    assert.match(err.message, /domain names are not supported for deny rules/)
    return true
  })
  assert.equal((await Sandbox.list({ query: { metadata: { suite: RUN } } }).nextItems()).length, before)
  await assert.rejects(Sandbox.updateNetwork('nosuchsandbox0000000', { denyOut: [TH1] }), /not found/i)
})
