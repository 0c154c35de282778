// Volumes through sbxd (API mode): Volume.create/getInfo/connect/list/destroy,
// the file calls on a volume (sbxd's /volumecontent, reached through
// E2B_VOLUME_API_URL from `sbx env`), and volumeMounts on create: ns
// sandboxes see the volume at its path, two share it, it outlives them, and
// it cannot be destroyed while one mounts it.  Hostile content (a symlink a
// sandbox plants pointing out of the volume) never leads the API outside.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AuthenticationError, Sandbox, Volume, VolumeError, VolumeNotFoundError, VolumePathNotFoundError, VolumeFileType } from 'e2b'
import { API_ONLY, killAfter, RUN, SHORT, LONG } from './helpers.mjs'

const name = (tag) => `${tag}-${RUN}`.replace(/[^a-zA-Z0-9_-]/g, '-')
const created = []
function destroyAfter (vol) {
  created.push(vol.volumeId)
  return vol
}
// Left-overs of a failed test go with the file (sandboxes first: they hold mounts).
test.after(async () => { for (const id of created) await Volume.destroy(id).catch(() => {}) })

test('Volume.create, getInfo by id and by name, list, connect, destroy', { ...SHORT, ...API_ONLY }, async () => {
  const vol = destroyAfter(await Volume.create(name('crud')))
  assert.equal(vol.name, name('crud'))
  assert.match(vol.volumeId, /^[0-9a-f-]{36}$/)
  assert.ok(vol.token && vol.token.length >= 32, 'a token for the content API')
  const info = await Volume.getInfo(vol.volumeId)
  assert.deepEqual([info.volumeId, info.name, info.token], [vol.volumeId, vol.name, vol.token])
  assert.equal((await Volume.getInfo(vol.name)).volumeId, vol.volumeId, 'a name finds it too')
  const listed = await Volume.list()
  assert.ok(listed.some((v) => v.volumeId === vol.volumeId && v.name === vol.name), 'listed')
  const again = await Volume.connect(vol.volumeId)
  assert.equal(again.token, vol.token)
  await assert.rejects(Volume.create(name('crud')), (e) => e instanceof VolumeError && /already exists/.test(e.message),
    'a second volume with the same name')
  await assert.rejects(Volume.create('no/slashes'), (e) => e instanceof VolumeError && /not valid/.test(e.message))
  assert.equal(await Volume.destroy(vol.volumeId), true)
  assert.equal(await Volume.destroy(vol.volumeId), false, 'destroying it twice: false')
  await assert.rejects(Volume.getInfo(vol.volumeId), VolumeNotFoundError)
  await assert.rejects(Volume.connect('no-such-volume'), VolumeNotFoundError)
  assert.ok(!(await Volume.list()).some((v) => v.volumeId === vol.volumeId), 'gone from the list')
})

test('files on a volume: write, read, force, dirs, list, stat, metadata, remove', { ...SHORT, ...API_ONLY }, async () => {
  const vol = destroyAfter(await Volume.create(name('files')))
  const st = await vol.writeFile('/hello.txt', 'Hello, volume!')
  assert.deepEqual([st.name, st.type, st.path, st.size], ['hello.txt', VolumeFileType.FILE, '/hello.txt', 14])
  assert.ok(st.mtime instanceof Date && Math.abs(st.mtime.getTime() - Date.now()) < 60_000)
  assert.equal(await vol.readFile('/hello.txt'), 'Hello, volume!')
  assert.equal(await vol.readFile('hello.txt'), 'Hello, volume!', 'a relative path is from the root')
  const bytes = new Uint8Array([0, 1, 2, 255, 254])
  await vol.writeFile('/bin.dat', bytes.buffer)
  assert.deepEqual(await vol.readFile('/bin.dat', { format: 'bytes' }), bytes)
  await vol.writeFile('/empty', '')
  assert.equal(await vol.readFile('/empty'), '')

  await assert.rejects(vol.writeFile('/hello.txt', 'again'), (e) => e instanceof VolumeError && /exists/.test(e.message),
    'no overwrite without force')
  await vol.writeFile('/hello.txt', 'overwritten', { force: true })
  assert.equal(await vol.readFile('/hello.txt'), 'overwritten')
  await assert.rejects(vol.writeFile('/no/such/dir/f', 'x'), VolumePathNotFoundError)

  const d = await vol.makeDir('/a/b/c', { force: true })
  assert.deepEqual([d.type, d.path], [VolumeFileType.DIRECTORY, '/a/b/c'])
  await assert.rejects(vol.makeDir('/a/b/c'), VolumeError, 'an existing dir without force')
  await vol.makeDir('/a/b/c', { force: true })
  await vol.writeFile('/a/b/c/deep.txt', 'deep')
  const top = await vol.list('/')
  assert.deepEqual(top.map((e) => e.name).sort(), ['a', 'bin.dat', 'empty', 'hello.txt'])
  const deep = await vol.list('/a', { depth: 3 })
  assert.deepEqual(deep.map((e) => e.path).sort(), ['/a/b', '/a/b/c', '/a/b/c/deep.txt'])
  await assert.rejects(vol.list('/nope'), VolumePathNotFoundError)

  assert.equal((await vol.getInfo('/a/b')).type, VolumeFileType.DIRECTORY)
  assert.equal(await vol.exists('/a/b/c/deep.txt'), true)
  assert.equal(await vol.exists('/a/b/c/none.txt'), false)
  const md = await vol.updateMetadata('/hello.txt', { mode: 0o600, uid: 1000, gid: 1000 })
  assert.deepEqual([md.mode, md.uid, md.gid], [0o600, 1000, 1000])
  const withMode = await vol.writeFile('/x.sh', '#!/bin/sh\n', { mode: 0o755 })
  assert.equal(withMode.mode, 0o755)

  await vol.remove('/a')
  assert.equal(await vol.exists('/a/b/c/deep.txt'), false, 'a directory goes with what is in it')
  await assert.rejects(vol.remove('/a'), VolumePathNotFoundError)
  await assert.rejects(vol.readFile('/a/b/c/deep.txt'), VolumePathNotFoundError)
})

test('bad paths and tokens: "..", the root, a wrong token', { ...SHORT, ...API_ONLY }, async () => {
  const vol = destroyAfter(await Volume.create(name('bad')))
  await vol.writeFile('/inside.txt', 'in')
  for (const p of ['../meta.json', '/../../etc/passwd', 'a/../../x']) {
    await assert.rejects(vol.readFile(p), (e) => e instanceof VolumeError && /leaves the volume/.test(e.message), p)
    await assert.rejects(vol.writeFile(p, 'x'), (e) => e instanceof VolumeError && /leaves the volume/.test(e.message), p)
  }
  await assert.rejects(vol.remove('/'), (e) => e instanceof VolumeError && /root/.test(e.message))
  await assert.rejects(vol.readFile('/'), (e) => e instanceof VolumeError && /directory/.test(e.message))
  const thief = new Volume(vol.volumeId, vol.name, 'not-the-token')
  await assert.rejects(thief.readFile('/inside.txt'), (e) => e instanceof AuthenticationError && /token/.test(e.message))
  const other = destroyAfter(await Volume.create(name('other')))
  const crossed = new Volume(vol.volumeId, vol.name, other.token)
  await assert.rejects(crossed.list('/'), AuthenticationError, "another volume's token")
})

test('volumeMounts: sandboxes see the volume, share it, it outlives them; destroy while mounted is refused',
  { ...LONG, ...API_ONLY }, async () => {
    const vol = destroyAfter(await Volume.create(name('shared')))
    await vol.writeFile('/from-api.txt', 'written through the API')
    const a = killAfter(await Sandbox.create('base', { volumeMounts: { '/mnt/shared': vol }, metadata: { suite: RUN } }))
    const b = killAfter(await Sandbox.create('base', { volumeMounts: { '/data/vol': vol.name }, metadata: { suite: RUN } }))
    assert.deepEqual((await a.getInfo()).volumeMounts, [{ name: vol.name, path: '/mnt/shared' }])

    assert.equal((await a.commands.run('cat /mnt/shared/from-api.txt')).stdout, 'written through the API')
    await a.commands.run('echo "from a" > /mnt/shared/from-a.txt')
    assert.equal((await b.commands.run('cat /data/vol/from-a.txt')).stdout, 'from a\n', 'b sees what a wrote')
    assert.equal(await vol.readFile('/from-a.txt'), 'from a\n', 'the API sees it')
    // The sandbox's user owns it, by the same uid on the host as inside.
    const uid = (await a.commands.run('id -u')).stdout.trim()
    assert.equal(String((await vol.getInfo('/from-a.txt')).uid), uid)

    // A symlink a sandbox plants to leave the volume leads nowhere.
    await a.commands.run('ln -s /etc /mnt/shared/etc && ln -s ../../../.. /mnt/shared/up')
    await assert.rejects(vol.readFile('/etc/passwd'), (e) => e instanceof VolumeError && /outside the volume/.test(e.message))
    await assert.rejects(vol.writeFile('/up/escaped', 'x'), (e) => e instanceof VolumeError && /outside the volume/.test(e.message))
    const link = (await vol.list('/')).find((e) => e.name === 'etc')
    assert.deepEqual([link.type, link.target], [VolumeFileType.SYMLINK, '/etc'])
    await vol.remove('/etc')   // the link, not what it points at
    assert.equal((await a.commands.run('test -f /etc/passwd && echo there')).stdout, 'there\n')

    await assert.rejects(Volume.destroy(vol.volumeId),
      (e) => e instanceof VolumeError && (e.message.includes(a.sandboxId) || e.message.includes(b.sandboxId)),
      'destroy while mounted names a sandbox that mounts it')
    await a.kill()
    await b.kill()
    const later = await Volume.connect(vol.volumeId)
    assert.equal(await later.readFile('/from-a.txt'), 'from a\n', 'the volume outlives its sandboxes')
    const c = killAfter(await Sandbox.create('base', { volumeMounts: { '/mnt/v': vol }, metadata: { suite: RUN } }))
    assert.equal((await c.commands.run('cat /mnt/v/from-a.txt')).stdout, 'from a\n', 'a new sandbox mounts it again')
    await c.kill()
    assert.equal(await Volume.destroy(vol.volumeId), true, 'destroyed once no sandbox mounts it')
  })

test('volumeMounts: an unknown volume or a bad path is refused', { ...SHORT, ...API_ONLY }, async () => {
  await assert.rejects(Sandbox.create('base', { volumeMounts: { '/mnt/x': 'no-such-volume' }, metadata: { suite: RUN } }),
    /volume "no-such-volume" not found/)
  const vol = destroyAfter(await Volume.create(name('badmount')))
  await assert.rejects(Sandbox.create('base', { volumeMounts: { 'relative/path': vol }, metadata: { suite: RUN } }),
    /absolute path/)
  await assert.rejects(Sandbox.create('base', { volumeMounts: { '/proc/x': vol }, metadata: { suite: RUN } }), /reserved/)
})
