// runCode against the default Python context: POST /execute (NDJSON).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, SHORT, LONG } from './helpers.mjs'

const sbx = await connect()

test('print goes to logs.stdout, no results', LONG, async () => {
  const ex = await sbx.runCode('print("hello from sbx")')
  assert.equal(ex.error, undefined)
  // the kernel may send one print in pieces (its flush timer can fire
  // between "hello…" and "\n" on a loaded machine): compare the text
  assert.equal(ex.logs.stdout.join(''), 'hello from sbx\n')
  assert.deepEqual(ex.logs.stderr, [])
  assert.deepEqual(ex.results, [])
})

test('1+1 is the main result "2" with an execution count', SHORT, async () => {
  const ex = await sbx.runCode('1+1')
  assert.equal(ex.error, undefined)
  assert.equal(ex.text, '2')
  assert.equal(ex.results.length, 1)
  assert.equal(ex.results[0].isMainResult, true)
  assert.ok(Number.isInteger(ex.executionCount) && ex.executionCount > 0, `executionCount ${ex.executionCount}`)
  const next = await sbx.runCode('2+2')
  assert.equal(next.executionCount, ex.executionCount + 1)
})

test('state is kept across cells', SHORT, async () => {
  await sbx.runCode('compat_state = 40')
  const ex = await sbx.runCode('compat_state += 2\ncompat_state')
  assert.equal(ex.text, '42')
})

test('a string result has its repr quotes stripped (E2B quirk)', SHORT, async () => {
  assert.equal((await sbx.runCode('"abc"')).text, 'abc')
})

test('an exception gives error name, value and traceback', SHORT, async () => {
  const ex = await sbx.runCode('def compat_fail():\n    raise ValueError("boom")\ncompat_fail()')
  assert.ok(ex.error, 'execution.error is set')
  assert.equal(ex.error.name, 'ValueError')
  assert.equal(ex.error.value, 'boom')
  assert.equal(typeof ex.error.traceback, 'string')
  assert.match(ex.error.traceback, /compat_fail/)
  assert.match(ex.error.traceback, /ValueError/)
  assert.deepEqual(ex.results, [])
  // The context survives the error.
  assert.equal((await sbx.runCode('6*7')).text, '42')
})

test('output printed before an exception is kept', SHORT, async () => {
  const ex = await sbx.runCode('print("before")\n1/0')
  assert.equal(ex.logs.stdout.join(''), 'before\n')
  assert.equal(ex.error?.name, 'ZeroDivisionError')
})

test('onStdout/onStderr stream while the cell runs; onResult/onError fire', SHORT, async () => {
  const out = []
  const err = []
  const results = []
  const errors = []
  const t0 = Date.now()
  let firstOutAt
  const ex = await sbx.runCode(
    'import sys, time\n' +
    'print("first", flush=True)\n' +
    'time.sleep(1.0)\n' +
    'print("to stderr", file=sys.stderr, flush=True)\n' +
    'print("second")\n' +
    '"done"',
    {
      onStdout: (m) => { firstOutAt ??= Date.now(); out.push(m) },
      onStderr: (m) => err.push(m),
      onResult: (r) => results.push(r),
      onError: (e) => errors.push(e)
    })
  const doneAt = Date.now()
  assert.equal(out.map((m) => m.line).join(''), 'first\nsecond\n')
  assert.equal(err.map((m) => m.line).join(''), 'to stderr\n')
  assert.ok(out.every((m) => m.error === false) && err.every((m) => m.error === true))
  assert.ok(firstOutAt !== undefined, 'onStdout was called')
  // "first" must arrive while the kernel still sleeps, not batched at the end.
  assert.ok(doneAt - firstOutAt >= 600, `first stdout came ${doneAt - firstOutAt} ms before the end (t0+${firstOutAt - t0})`)
  assert.equal(results.length, 1)
  assert.equal(results[0].text, 'done')
  assert.deepEqual(ex.logs.stdout.join(''), 'first\nsecond\n')

  await sbx.runCode('raise KeyError("k")', { onError: (e) => errors.push(e) })
  assert.equal(errors.length, 1)
  assert.equal(errors[0].name, 'KeyError')
})

test('envs apply to one execution only', SHORT, async () => {
  // Quotes and a backslash: values must not be pasted into code naively.
  const value = 'per exec "quoted" it\'s \\ ok'
  const ex = await sbx.runCode(
    `import os\n(os.environ.get("SBX_COMPAT_VAR") == ${JSON.stringify(value)}, os.environ.get("SBX_COMPAT_VAR"))`,
    { envs: { SBX_COMPAT_VAR: value } })
  assert.equal(ex.error, undefined, ex.error?.traceback)
  assert.match(ex.text ?? '', /^\(True, /)
  const after = await sbx.runCode('import os\nstr(os.environ.get("SBX_COMPAT_VAR"))')
  assert.equal(after.text, 'None')
})

test('a pandas DataFrame carries data (columns as lists) and html', LONG, async () => {
  const ex = await sbx.runCode(
    'import pandas as pd\n' +
    'pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})')
  assert.equal(ex.error, undefined, ex.error?.traceback)
  const main = ex.results.find((r) => r.isMainResult)
  assert.ok(main, 'a main result')
  assert.deepEqual(main.data, { a: [1, 2, 3], b: ['x', 'y', 'z'] })
  assert.match(main.html ?? '', /<table/)
  assert.ok(main.formats().includes('data') && main.formats().includes('html'), `formats ${main.formats()}`)
})

test('a matplotlib bar chart gives png and chart with bar elements', LONG, async () => {
  const ex = await sbx.runCode(
    'import matplotlib.pyplot as plt\n' +
    'authors = ["Author A", "Author B", "Author C", "Author D"]\n' +
    'sales = [100, 200, 300, 400]\n' +
    'plt.figure(figsize=(10, 6))\n' +
    'plt.bar(authors, sales, label="Books Sold", color="blue")\n' +
    'plt.xlabel("Authors")\n' +
    'plt.ylabel("Number of Books Sold")\n' +
    'plt.title("Book Sales by Authors")\n' +
    'plt.show()')
  assert.equal(ex.error, undefined, ex.error?.traceback)
  assert.equal(ex.results.length, 1, `results: ${JSON.stringify(ex.results.map((r) => Object.keys(r.raw)))}`)
  const r = ex.results[0]
  assert.equal(r.isMainResult, false)
  assert.ok(r.png, 'png present')
  assert.equal(Buffer.from(r.png, 'base64').subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'png is a base64 PNG')
  assert.ok(r.chart, 'chart present')
  assert.equal(r.chart.type, 'bar')
  assert.equal(r.chart.title, 'Book Sales by Authors')
  assert.equal(r.chart.x_label, 'Authors')
  assert.equal(r.chart.y_label, 'Number of Books Sold')
  assert.equal(r.chart.x_unit, null)
  assert.equal(r.chart.y_unit, null)
  assert.deepEqual(r.chart.elements, [
    { label: 'Author A', group: 'Books Sold', value: 100 },
    { label: 'Author B', group: 'Books Sold', value: 200 },
    { label: 'Author C', group: 'Books Sold', value: 300 },
    { label: 'Author D', group: 'Books Sold', value: 400 }
  ])
})
