// A node --test reporter that judges the run instead of trusting node's exit
// code (tests/run-compat.sh uses it next to the spec reporter). node exits 0
// when every test was skipped, and a file that exits early shows up as one
// passing "test" named after the file, its own tests never reported.  Here
// each of those fails the run:
//   - a failed or cancelled test;
//   - a skipped or todo test (the reference machine, root on Debian 12, runs
//     everything run-compat.sh selects);
//   - a file that reported no test of its own, or none at all;
//   - no test at all.
// Writes "not ok - …" for each, then "NAME: N passed, N failed, N skipped"
// (NAME from SBX_COMPAT_NAME); SBX_COMPAT_FILES lists the files expected.
import { basename } from 'node:path'

export default async function * verdict (source) {
  const perFile = new Map()
  const stacks = new Map()   // file -> names of the enclosing suites, by nesting
  const problems = []
  let pass = 0
  let fail = 0
  let skipped = 0
  for await (const ev of source) {
    const d = ev.data
    if (ev.type === 'test:start') {
      const st = stacks.get(d.file) ?? []
      st.length = d.nesting
      st.push(d.name)
      stacks.set(d.file, st)
    }
    if (ev.type !== 'test:pass' && ev.type !== 'test:fail') continue
    d.path = (stacks.get(d.file) ?? []).slice(0, d.nesting).concat(d.name).join(' › ')
    if (d.details?.type === 'suite') {
      if (ev.type === 'test:fail' && d.details?.error?.failureType !== 'subtestsFailed') {
        fail++
        problems.push(`not ok - ${label(d)}: the suite itself failed`)
      }
      continue
    }
    const file = d.file ? basename(d.file) : '?'
    if (d.file && d.name === d.file && d.nesting === 0) {
      // node's stand-in for a file whose tests it never heard of
      fail++
      problems.push(`not ok - ${file} ${ev.type === 'test:fail' ? 'failed' : 'exited'} before reporting a test of its own`)
      continue
    }
    perFile.set(file, (perFile.get(file) ?? 0) + 1)
    if (ev.type === 'test:fail') {
      fail++
      problems.push(`not ok - ${label(d)}`)
    } else if (d.skip !== undefined || d.todo !== undefined) {
      skipped++
      const why = d.skip ?? d.todo
      problems.push(`not ok - ${label(d)} was ${d.skip !== undefined ? 'skipped' : 'todo'}${typeof why === 'string' ? ` (${why})` : ''}`)
    } else {
      pass++
    }
  }
  for (const f of (process.env.SBX_COMPAT_FILES ?? '').split(' ').filter(Boolean)) {
    if (!perFile.get(f) && !problems.some((p) => p.startsWith(`not ok - ${f} `))) {
      fail++
      problems.push(`not ok - ${f} ran no test`)
    }
  }
  if (pass + fail + skipped === 0) {
    fail++
    problems.push('not ok - no test ran')
  }
  for (const p of problems) yield p + '\n'
  yield `${process.env.SBX_COMPAT_NAME ?? 'compat'}: ${pass} passed, ${fail} failed, ${skipped} skipped\n`
}

function label (d) {
  return `${d.file ? basename(d.file) : '?'}: ${d.path}`
}
