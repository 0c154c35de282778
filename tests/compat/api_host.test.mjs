// getHost through sbxd (API mode): a server started in the sandbox is
// reachable at http://${sandbox.getHost(port)} — sbxd hands out the domain
// localhost:PORT, so getHost(8000) is 8000-ID.localhost:PORT, which a
// browser on this machine resolves to 127.0.0.1.  Node resolves *.localhost
// through the system resolver, which may not: the requests here pin the name
// to 127.0.0.1 (what a browser does) and keep the URL and Host as getHost
// gives them.  Also: nothing listening, a killed sandbox (E2B's own words),
// allowPublicTraffic: false (the traffic token), and autoResume of a paused
// sandbox by a request to its port.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { Sandbox } from 'e2b'
import { API_ONLY, API_MODE, killAfter, RUN, SHORT, LONG, until } from './helpers.mjs'

// GET url, the name resolved to loopback; resolves {status, text, json()}.
function get (url, headers = {}) {
  const lookup = (host, opts, cb) => (opts && opts.all)
    ? cb(null, [{ address: '127.0.0.1', family: 4 }])
    : cb(null, '127.0.0.1', 4)
  return new Promise((resolve, reject) => {
    const req = http.get(url, { lookup, headers, timeout: 30_000 }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode, text, json: () => JSON.parse(text) }))
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in 30 s`)))
    req.on('error', reject)
  })
}

const sbxdPort = API_MODE ? new URL(process.env.E2B_API_URL).port : ''

// Starts python's http.server on port in dir (a file hello.txt in it) and
// waits until getHost answers 200 through sbxd.
async function serve (s, port, text, headers = {}) {
  const dir = `/tmp/www-${port}`
  await s.files.write(`${dir}/hello.txt`, text)
  await s.commands.run(`python3 -m http.server ${port}`, { background: true, cwd: dir })
  const url = `http://${s.getHost(port)}/hello.txt`
  let last
  await until(async () => (last = await get(url, headers).catch((e) => ({ error: String(e) }))).status === 200,
    20_000, `the server on ${port} to answer through sbxd`, () => last)
  return url
}

test('getHost(8000): python3 -m http.server in the sandbox answers at http://${getHost(8000)}', { ...LONG, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: { suite: RUN } }))
  assert.equal(s.getHost(8000), `8000-${s.sandboxId}.localhost:${sbxdPort}`)
  assert.equal((await s.getInfo()).sandboxDomain, `localhost:${sbxdPort}`)
  const url = await serve(s, 8000, 'hello through getHost')
  const res = await get(url)
  assert.equal(res.status, 200)
  assert.equal(res.text, 'hello through getHost')
  const dir = await get(`http://${s.getHost(8000)}/`)
  assert.match(dir.text, /Directory listing/)

  // Nothing on 8001: 502 in E2B's words, naming the port.
  const none = await get(`http://${s.getHost(8001)}/`)
  assert.equal(none.status, 502)
  const j = none.json()
  assert.equal(j.code, 502)
  assert.match(j.message, /^The sandbox is running but port is not open/)
  assert.match(j.message, /8001/)
})

test('a killed sandbox: 502 {message: "The sandbox was not found"} (E2B\'s host test)', { ...SHORT, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: { suite: RUN } }))
  const url = `http://${s.getHost(3000)}`
  await s.kill()
  const res = await get(url)
  assert.equal(res.status, 502)
  const j = res.json()
  assert.equal(j.message, 'The sandbox was not found')
  assert.ok(s.sandboxId.startsWith(j.sandboxId), `sandboxId ${j.sandboxId}`)
  assert.equal(j.code, 502)
})

test('allowPublicTraffic: false: 403 without e2b-traffic-access-token, 200 with it', { ...LONG, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: { suite: RUN }, network: { allowPublicTraffic: false } }))
  assert.ok(s.trafficAccessToken, 'the sandbox has a traffic access token')
  const token = { 'e2b-traffic-access-token': s.trafficAccessToken }
  const url = await serve(s, 8000, 'private', token)
  const denied = await get(url)
  assert.equal(denied.status, 403)
  assert.match(denied.json().message, /e2b-traffic-access-token/)
  assert.equal((await get(url, { 'e2b-traffic-access-token': 'wrong' })).status, 403)
  const ok = await get(url, token)
  assert.equal(ok.status, 200)
  assert.equal(ok.text, 'private')
})

test('a paused sandbox with autoResume: a request to its port resumes it and reaches the server', { ...LONG, ...API_ONLY }, async () => {
  const s = killAfter(await Sandbox.create({ metadata: { suite: RUN }, lifecycle: { onTimeout: 'pause', autoResume: true } }))
  const url = await serve(s, 8000, 'still here')
  assert.equal(await s.pause(), true)
  assert.equal((await s.getInfo()).state, 'paused')
  const res = await get(url)
  assert.equal(res.status, 200)
  assert.equal(res.text, 'still here')
  assert.equal((await s.getInfo()).state, 'running')
})
