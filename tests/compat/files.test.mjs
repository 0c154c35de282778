// sandbox.files: /files upload/download and the filesystem.Filesystem RPCs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FileNotFoundError, NotFoundError, FilesystemEventType } from '@e2b/code-interpreter'
import { connect, uniquePath, until, SHORT, WORKDIR } from './helpers.mjs'

const sbx = await connect()
const bytes256 = () => Uint8Array.from({ length: 256 }, (_, i) => i)

test('write and read text (UTF-8), overwrite, empty file', SHORT, async () => {
  const dir = uniquePath('text')
  const path = `${dir}/deep/a.txt`
  const info = await sbx.files.write(path, 'héllo ✓ wörld\n')
  assert.deepEqual({ name: info.name, path: info.path, type: info.type }, { name: 'a.txt', path, type: 'file' })
  assert.equal(await sbx.files.read(path), 'héllo ✓ wörld\n')
  await sbx.files.write(path, 'short')
  assert.equal(await sbx.files.read(path), 'short', 'overwrite truncates')
  await sbx.files.write(`${dir}/empty`, '')
  assert.equal(await sbx.files.read(`${dir}/empty`), '')
  assert.deepEqual(await sbx.files.read(`${dir}/empty`, { format: 'bytes' }), new Uint8Array(0))
})

test('overwriting a file keeps its mode', SHORT, async () => {
  const path = `${uniquePath('mode')}/run.sh`
  await sbx.files.write(path, 'echo one\n')
  await sbx.commands.run(`chmod 750 ${path}`)
  await sbx.files.write(path, 'echo two\n')
  assert.equal((await sbx.files.getInfo(path)).permissions, '-rwxr-x---')
  assert.equal((await sbx.commands.run(path)).stdout, 'two\n')
})

test('binary round trip: ArrayBuffer and Blob in, bytes and blob out', SHORT, async () => {
  const dir = uniquePath('bin')
  const data = bytes256()
  await sbx.files.write(`${dir}/ab.bin`, data.buffer)
  const got = await sbx.files.read(`${dir}/ab.bin`, { format: 'bytes' })
  assert.ok(got instanceof Uint8Array)
  assert.deepEqual(got, data)
  const blob = await sbx.files.read(`${dir}/ab.bin`, { format: 'blob' })
  assert.ok(blob instanceof Blob)
  assert.equal(blob.size, 256)
  assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), data)

  await sbx.files.write(`${dir}/blob.bin`, new Blob([data.subarray(128), data.subarray(0, 128)]))
  const swapped = await sbx.files.read(`${dir}/blob.bin`, { format: 'bytes' })
  assert.deepEqual(swapped, Uint8Array.from([...data.subarray(128), ...data.subarray(0, 128)]))
})

test('write several files at once', SHORT, async () => {
  const dir = uniquePath('multi')
  const files = [
    { path: `${dir}/one.txt`, data: 'first' },
    { path: `${dir}/sub/two.bin`, data: bytes256().buffer },
    { path: `${dir}/sub/deeper/three.txt`, data: new Blob(['third']) }
  ]
  const infos = await sbx.files.write(files)
  assert.equal(infos.length, 3)
  assert.deepEqual(infos.map((i) => i.path).sort(), files.map((f) => f.path).sort())
  assert.equal(await sbx.files.read(`${dir}/one.txt`), 'first')
  assert.deepEqual(await sbx.files.read(`${dir}/sub/two.bin`, { format: 'bytes' }), bytes256())
  assert.equal(await sbx.files.read(`${dir}/sub/deeper/three.txt`), 'third')
})

test('list a directory, with depth', SHORT, async () => {
  const dir = uniquePath('list')
  await sbx.files.write([{ path: `${dir}/a.txt`, data: 'a' }, { path: `${dir}/sub/b.txt`, data: 'bb' }])
  const top = await sbx.files.list(dir)
  assert.deepEqual(top.map((e) => [e.name, e.type, e.path]).sort(), [
    ['a.txt', 'file', `${dir}/a.txt`],
    ['sub', 'dir', `${dir}/sub`]
  ])
  const deep = await sbx.files.list(dir, { depth: 2 })
  assert.deepEqual(deep.map((e) => e.path).sort(), [`${dir}/a.txt`, `${dir}/sub`, `${dir}/sub/b.txt`])
  assert.equal(deep.find((e) => e.name === 'b.txt').size, 2)
  await assert.rejects(sbx.files.list(`${dir}/missing`), FileNotFoundError)
})

test('makeDir: true when created (with parents), false when it exists', SHORT, async () => {
  const dir = `${uniquePath('mkdir')}/x/y`
  assert.equal(await sbx.files.makeDir(dir), true)
  assert.equal((await sbx.files.getInfo(dir)).type, 'dir')
  assert.equal(await sbx.files.makeDir(dir), false)
})

test('rename moves content; exists follows', SHORT, async () => {
  const dir = uniquePath('rename')
  await sbx.files.write(`${dir}/old.txt`, 'moved content')
  const entry = await sbx.files.rename(`${dir}/old.txt`, `${dir}/new/place.txt`)
  assert.equal(entry.name, 'place.txt')
  assert.equal(entry.path, `${dir}/new/place.txt`)
  assert.equal(entry.type, 'file')
  assert.equal(await sbx.files.exists(`${dir}/old.txt`), false)
  assert.equal(await sbx.files.exists(`${dir}/new/place.txt`), true)
  assert.equal(await sbx.files.read(`${dir}/new/place.txt`), 'moved content')
  await assert.rejects(sbx.files.rename(`${dir}/old.txt`, `${dir}/x`), FileNotFoundError)
})

test('remove a file and a whole directory; removing nothing is fine', SHORT, async () => {
  const dir = uniquePath('remove')
  await sbx.files.write([{ path: `${dir}/f.txt`, data: 'x' }, { path: `${dir}/d/g.txt`, data: 'y' }])
  await sbx.files.remove(`${dir}/f.txt`)
  assert.equal(await sbx.files.exists(`${dir}/f.txt`), false)
  await sbx.files.remove(`${dir}/d`)
  assert.equal(await sbx.files.exists(`${dir}/d`), false)
  assert.equal(await sbx.files.exists(dir), true)
  await sbx.files.remove(`${dir}/never-existed`)
})

test('getInfo: type, size, permissions, mode, owner, modifiedTime', SHORT, async () => {
  const dir = uniquePath('info')
  const before = Date.now()
  await sbx.files.write(`${dir}/f.bin`, bytes256().buffer)
  const f = await sbx.files.getInfo(`${dir}/f.bin`)
  assert.equal(f.name, 'f.bin')
  assert.equal(f.path, `${dir}/f.bin`)
  assert.equal(f.type, 'file')
  assert.equal(f.size, 256)
  assert.match(f.permissions, /^-[r-][w-][x-][r-][w-][x-][r-][w-][x-]$/)
  assert.equal(typeof f.mode, 'number')
  assert.equal(f.mode & 0o777, f.mode, 'mode holds permission bits only')
  assert.equal(f.permissions.slice(1, 4), [0o400, 0o200, 0o100].map((b, i) => (f.mode & b ? 'rwx'[i] : '-')).join(''))
  assert.ok(typeof f.owner === 'string' && f.owner.length > 0, `owner ${f.owner}`)
  assert.ok(f.modifiedTime instanceof Date, 'modifiedTime is a Date')
  const skew = f.modifiedTime.getTime() - before
  assert.ok(skew > -5_000 && skew < 60_000, `modifiedTime ${f.modifiedTime.toISOString()} vs now`)

  const d = await sbx.files.getInfo(dir)
  assert.equal(d.type, 'dir')
  assert.match(d.permissions, /^d/)
})

test('a symlink reports its target type and path', SHORT, async () => {
  const dir = uniquePath('link')
  await sbx.files.write(`${dir}/target.txt`, 'through the link')
  await sbx.commands.run(`ln -s target.txt ${dir}/link.txt`)
  const info = await sbx.files.getInfo(`${dir}/link.txt`)
  assert.equal(info.type, 'file')
  assert.equal(info.symlinkTarget, `${dir}/target.txt`)
  assert.match(info.permissions, /^L/)
  assert.equal(await sbx.files.read(`${dir}/link.txt`), 'through the link')
})

test('exists is true for files and dirs, false for missing paths', SHORT, async () => {
  const dir = uniquePath('exists')
  await sbx.files.write(`${dir}/here.txt`, 'x')
  assert.equal(await sbx.files.exists(`${dir}/here.txt`), true)
  assert.equal(await sbx.files.exists(dir), true)
  assert.equal(await sbx.files.exists(`${dir}/missing.txt`), false)
})

test('missing files: read and getInfo raise FileNotFoundError', SHORT, async () => {
  const path = `${uniquePath('missing')}/nope.txt`
  const err = await sbx.files.read(path).then(() => null, (e) => e)
  assert.ok(err instanceof FileNotFoundError, `read: ${err}`)
  assert.ok(err instanceof NotFoundError)
  await assert.rejects(sbx.files.getInfo(path), FileNotFoundError)
})

test('relative paths resolve against the default workdir', { ...SHORT, skip: !WORKDIR && 'SBX_COMPAT_WORKDIR not set' }, async () => {
  const name = `rel-${process.pid}-${Date.now()}.txt`
  const info = await sbx.files.write(name, 'relative')
  assert.equal(info.path, `${WORKDIR}/${name}`)
  assert.equal(await sbx.files.read(`${WORKDIR}/${name}`), 'relative')
  assert.equal((await sbx.files.getInfo(name)).path, `${WORKDIR}/${name}`)
  await sbx.files.remove(name)
})

test('watchDir reports create, write and remove', SHORT, async () => {
  const dir = uniquePath('watch')
  await sbx.files.makeDir(dir)
  const events = []
  const seen = () => events.map((e) => `${e.type}:${e.name}`)
  const has = (type, name, from = 0) => () => events.slice(from).some((e) => e.type === type && e.name === name)
  const handle = await sbx.files.watchDir(dir, (e) => events.push(e))
  try {
    await sbx.files.write(`${dir}/w.txt`, 'one')
    await until(has(FilesystemEventType.CREATE, 'w.txt'), 5_000, 'create w.txt', seen)
    const mark = events.length
    await sbx.files.write(`${dir}/w.txt`, 'two')
    await until(has(FilesystemEventType.WRITE, 'w.txt', mark), 5_000, 'write w.txt', seen)
    await sbx.files.remove(`${dir}/w.txt`)
    await until(has(FilesystemEventType.REMOVE, 'w.txt'), 5_000, 'remove w.txt', seen)
    assert.ok(events.every((e) => e.name === 'w.txt'), `only w.txt events: ${seen()}`)
  } finally {
    await handle.stop()
  }
})

test('watchDir recursive with includeEntry names nested paths', SHORT, async () => {
  const dir = uniquePath('watchr')
  await sbx.files.makeDir(`${dir}/sub`)
  const events = []
  const seen = () => events.map((e) => `${e.type}:${e.name}`)
  const handle = await sbx.files.watchDir(dir, (e) => events.push(e), { recursive: true, includeEntry: true })
  try {
    await sbx.files.write(`${dir}/sub/n.txt`, 'nested')
    const created = () => events.find((e) => e.type === FilesystemEventType.CREATE && e.name === 'sub/n.txt')
    await until(created, 5_000, 'create sub/n.txt', seen)
    assert.equal(created().entry?.path, `${dir}/sub/n.txt`)
    assert.equal(created().entry?.type, 'file')
  } finally {
    await handle.stop()
  }
})

test('watchDir on a missing directory is FileNotFoundError', SHORT, async () => {
  await assert.rejects(sbx.files.watchDir(`${uniquePath('nowatch')}/x`, () => {}), FileNotFoundError)
})
